using System.Net;
using System.Net.Sockets;
using System.Security;
using System.Text;
using VaultStaging.Vault;

namespace VaultStaging.Tests.Client;

/// <summary>
/// Answers the emulator does not give (a WARNING envelope, fields of odd types, a next_page loop), from a
/// stub HTTP handler: the client must turn each into what a user can act on, never a crash.
/// </summary>
public sealed class VaultClientAnswerTests
{
    private static readonly Uri Vault = new("http://127.0.0.1:9/");

    private sealed class StubHandler(Func<HttpRequestMessage, string> answer) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(answer(request), Encoding.UTF8, "application/json") };
            response.Headers.Add("X-VaultAPI-UserId", "10001400");
            response.Headers.Add("X-VaultAPI-ExecutionId", "exec-42");
            return Task.FromResult(response);
        }
    }

    private static async Task<VaultClient> Connect(Func<HttpRequestMessage, string> answer)
    {
        var token = new SecureString();
        foreach (char c in "veeva-vault-test") token.AppendChar(c);
        var options = new VaultClientOptions { Retry = new RetryPolicy { MaximumRetryCount = 0 } };
        return await VaultClient.ConnectWithTokenAsync(Vault, token, options, VaultCallContext.None,
            new StubHandler(r => r.RequestUri!.AbsolutePath == "/api/" ? """{"responseStatus":"SUCCESS","values":{"v26.1":"x"}}""" : answer(r)));
    }

    [Fact]
    public async Task A_WARNING_envelope_does_the_call_and_says_its_warnings()
    {
        using var client = await Connect(_ => """{"responseStatus":"WARNING","warnings":[{"type":"SOME_WARNING","message":"Folder name was trimmed"}],"data":{"kind":"folder","path":"/x/","name":"x"}}""");
        var warnings = new List<string>();
        var item = await client.CreateFolderAsync("/x", new VaultCallContext(CancellationToken.None, warning: warnings.Add));
        Assert.Equal("/x", item.Path);
        Assert.Equal("Create the folder /x: Vault warns: Folder name was trimmed (SOME_WARNING)", Assert.Single(warnings));
    }

    [Fact]
    public async Task OPERATION_NOT_ALLOWED_on_an_item_says_what_items_cannot_do_and_on_a_session_points_to_sessions()
    {
        const string refused = """{"responseStatus":"FAILURE","errors":[{"type":"OPERATION_NOT_ALLOWED","message":"Operation not allowed."}]}""";
        using var client = await Connect(_ => refused);

        var onItem = await Assert.ThrowsAsync<VaultException>(() => client.MoveItemAsync("/u10001500", "/archive", null, VaultCallContext.None));
        Assert.Equal("OPERATION_NOT_ALLOWED", onItem.ErrorType);
        Assert.DoesNotContain("upload session", onItem.Hint, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("users' own folders", onItem.Hint);

        var onSession = await Assert.ThrowsAsync<VaultException>(() => client.CommitUploadSessionOnceAsync("abc", VaultCallContext.None));
        Assert.Contains("Get-VaultUploadSession", onSession.Hint);
    }

    /// <summary>Answers like <see cref="StubHandler"/> until told to fail, then throws what .NET throws when no connection can be made.</summary>
    private sealed class UnreachableHandler(SocketError error) : HttpMessageHandler
    {
        public bool Failing { get; set; } = true;
        public int Calls;

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Calls);
            if (Failing) throw new HttpRequestException(error.ToString(), new System.Net.Sockets.SocketException((int)error));
            var response = new HttpResponseMessage(HttpStatusCode.OK)
            {
                Content = new StringContent(request.RequestUri!.AbsolutePath == "/api/" ? """{"responseStatus":"SUCCESS","values":{"v26.1":"x"}}""" : """{"responseStatus":"SUCCESS","data":[]}""", Encoding.UTF8, "application/json"),
            };
            return Task.FromResult(response);
        }
    }

    [Theory]
    [InlineData(SocketError.HostNotFound, "could not be resolved")]
    [InlineData(SocketError.ConnectionRefused, "the connection was refused")]
    public async Task Connecting_to_a_vault_that_cannot_be_reached_fails_at_once_and_later_calls_still_retry(SocketError error, string said)
    {
        var token = new SecureString();
        foreach (char c in "veeva-vault-test") token.AppendChar(c);
        var options = new VaultClientOptions { Retry = new RetryPolicy { MaximumRetryCount = 3, BaseDelay = TimeSpan.FromMilliseconds(1), MaximumDelay = TimeSpan.FromMilliseconds(5) } };
        var handler = new UnreachableHandler(error);

        var e = await Assert.ThrowsAsync<VaultException>(() => VaultClient.ConnectWithTokenAsync(Vault, token, options, VaultCallContext.None, handler));
        Assert.Equal("TRANSPORT_ERROR", e.ErrorType);
        Assert.Contains(said, e.Message);
        Assert.Contains("-Vault", e.Hint);
        Assert.Equal(1, handler.Calls); // no retry at connect time

        var later = new UnreachableHandler(error) { Failing = false };
        using var client = await VaultClient.ConnectWithTokenAsync(Vault, token, options, VaultCallContext.None, later);
        later.Failing = true;
        later.Calls = 0;
        Assert.Throws<VaultException>(() => client.ListUploadSessions(VaultCallContext.None).ToList());
        Assert.Equal(4, later.Calls); // once connected, the same failure is retried
    }

    [Fact]
    public async Task A_job_answer_with_fields_of_odd_types_reads_what_it_can()
    {
        using var client = await Connect(_ => """{"responseStatus":"SUCCESS","data":{"id":"7","status":{"weird":true},"created_by":"not a number","created_date":12,"run_end_date":"2020-10-07T18:32:55.000Z"}}""");
        var job = await client.GetJobAsync(new VaultJob { JobId = 7 }, VaultCallContext.None);
        Assert.Null(job.Status);
        Assert.Null(job.CreatedBy);
        Assert.Null(job.CreatedDate);
        Assert.Equal(new DateTime(2020, 10, 7, 18, 32, 55, DateTimeKind.Utc), job.RunEndDate!.Value.ToUniversalTime());
        Assert.False(job.IsFinished);
    }

    [Fact]
    public async Task A_next_page_that_leads_back_stops_the_listing_instead_of_looping()
    {
        using var client = await Connect(r =>
            """{"responseStatus":"SUCCESS","responseDetails":{"next_page":"http://127.0.0.1:9/api/v26.1/services/file_staging/upload?cursor=again"},"data":[{"id":"a","path":"/a","size":1}]}""");
        var e = Assert.Throws<VaultException>(() => client.ListUploadSessions(VaultCallContext.None).Take(100).ToList());
        Assert.Contains("leads back to a page already read", e.Message);
    }

    [Fact]
    public async Task A_failure_keeps_Vaults_execution_id()
    {
        using var client = await Connect(_ => """{"responseStatus":"FAILURE","errors":[{"type":"INSUFFICIENT_ACCESS","message":"No."}]}""");
        var e = await Assert.ThrowsAsync<VaultException>(() => client.GetUploadSessionAsync("x", VaultCallContext.None));
        Assert.Equal("INSUFFICIENT_ACCESS", e.ErrorType);
        Assert.Equal("exec-42", e.ExecutionId);
    }

    [Fact]
    public async Task An_api_version_the_vault_does_not_offer_is_refused_at_connect_time()
    {
        var token = new SecureString();
        foreach (char c in "veeva-vault-test") token.AppendChar(c);
        var options = new VaultClientOptions { ApiVersion = "v99.1" };
        var e = await Assert.ThrowsAsync<VaultInputException>(() => VaultClient.ConnectWithTokenAsync(Vault, token, options, VaultCallContext.None,
            new StubHandler(_ => """{"responseStatus":"SUCCESS","values":{"v25.3":"x","v26.1":"y","v26.2":"z"}}""")));
        Assert.Equal("ApiVersion", e.ParameterName);
        Assert.Contains("offers v25.3, v26.1, v26.2", e.Message);
        Assert.Contains("-ApiVersion v26.2", e.Message);
    }
}
