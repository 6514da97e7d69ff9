using System.Collections.Generic;
using Newtonsoft.Json.Linq;

namespace VaultStaging.Vault
{
    /// <summary>A successful Vault answer: the envelope plus what the headers said.</summary>
    internal sealed class VaultResponse
    {
        public VaultResponse(JObject body, string responseStatus)
        {
            Body = body;
            ResponseStatus = responseStatus;
        }

        public JObject Body { get; }
        public string ResponseStatus { get; }
        public JToken Data => Body?["data"];
        public IDictionary<string, string> Headers { get; } = new Dictionary<string, string>(System.StringComparer.OrdinalIgnoreCase);
    }
}
