using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace VaultStaging.Tests.Infrastructure;

/// <summary>
/// A self-signed server certificate for 127.0.0.1 and localhost, made in-process and written as PEM files (what
/// the emulator's --tls-cert/--tls-key take) to a temp folder deleted on dispose. <see cref="NewHandler"/> is a
/// client handler that trusts exactly this certificate: the test seam the module's client takes
/// (VaultClient.Connect*Async's handler), never a switch users could turn on.
/// </summary>
public sealed class TestCertificate : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "vaultstaging-tls-" + Guid.NewGuid().ToString("N")[..8]);

    public TestCertificate()
    {
        Directory.CreateDirectory(_folder);
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false)); // server authentication
        using var made = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(2));
        Certificate = X509CertificateLoader.LoadCertificate(made.RawData);
        CertificatePath = Path.Combine(_folder, "cert.pem");
        KeyPath = Path.Combine(_folder, "key.pem");
        File.WriteAllText(CertificatePath, made.ExportCertificatePem());
        File.WriteAllText(KeyPath, key.ExportPkcs8PrivateKeyPem());
    }

    /// <summary>The public certificate (no key).</summary>
    public X509Certificate2 Certificate { get; }

    public string CertificatePath { get; }
    public string KeyPath { get; }

    /// <summary>Whether the server showed this very certificate (anything else, or a name mismatch, is refused).</summary>
    public bool IsThisServer(X509Certificate2? presented, SslPolicyErrors errors) =>
        presented is not null && presented.RawData.AsSpan().SequenceEqual(Certificate.RawData) &&
        (errors & SslPolicyErrors.RemoteCertificateNameMismatch) == 0;

    /// <summary>A handler that trusts this certificate only.</summary>
    public HttpClientHandler NewHandler() => new()
    {
        UseCookies = false,
        AllowAutoRedirect = false,
        ServerCertificateCustomValidationCallback = (_, presented, _, errors) => IsThisServer(presented, errors),
    };

    public void Dispose()
    {
        Certificate.Dispose();
        try { Directory.Delete(_folder, recursive: true); } catch (IOException) { }
    }
}
