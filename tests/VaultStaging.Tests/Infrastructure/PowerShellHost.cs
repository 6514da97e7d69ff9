using System.Collections.ObjectModel;
using System.Management.Automation;
using System.Management.Automation.Host;
using System.Management.Automation.Runspaces;
using System.Security;

namespace VaultStaging.Tests.Infrastructure;

/// <summary>What one script run produced.</summary>
public sealed class PowerShellResult
{
    public required IReadOnlyList<PSObject> Output { get; init; }

    /// <summary>Non-terminating errors (the error stream), plus the terminating one if the run threw.</summary>
    public required IReadOnlyList<ErrorRecord> Errors { get; init; }

    public required IReadOnlyList<string> Verbose { get; init; }
    public required IReadOnlyList<string> Debug { get; init; }
    public required IReadOnlyList<string> Warnings { get; init; }

    /// <summary>The exception that ended the run (a terminating error), or null.</summary>
    public Exception? Terminating { get; init; }

    /// <summary>The terminating error's record, when there was one.</summary>
    public ErrorRecord? TerminatingRecord => (Terminating as IContainsErrorRecord)?.ErrorRecord;

    /// <summary>Base objects of the output (unwrapped from PSObject).</summary>
    public IEnumerable<object> Objects => Output.Select(o => o.BaseObject);

    /// <summary>Every piece of text the run produced, in any stream, for secret scans.</summary>
    public string AllText()
    {
        var parts = new List<string>();
        parts.AddRange(Output.Select(o => o?.ToString() ?? ""));
        foreach (var e in Errors)
        {
            parts.Add(e.ToString());
            parts.Add(e.FullyQualifiedErrorId ?? "");
            parts.Add(e.Exception?.ToString() ?? "");
            parts.Add(e.ErrorDetails?.Message ?? "");
            parts.Add(e.ErrorDetails?.RecommendedAction ?? "");
            parts.Add(e.TargetObject?.ToString() ?? "");
        }
        parts.AddRange(Verbose);
        parts.AddRange(Debug);
        parts.AddRange(Warnings);
        if (Terminating is not null) parts.Add(Terminating.ToString());
        return string.Join("\n", parts);
    }
}

/// <summary>
/// An in-process PowerShell runspace (InitialSessionState.CreateDefault2) with the VaultStaging module
/// imported from the module assembly the tests were built against. One host is one runspace, so the
/// runspace's default connection (Connect-Vault) carries over from one <see cref="Run"/> to the next.
/// The host is Microsoft.PowerShell.SDK, so the built-in modules (Export-Csv, ConvertTo-Json, ...) load as in pwsh.
/// </summary>
public sealed class PowerShellHost : IDisposable
{
    public Runspace Runspace { get; }

    /// <summary>Full path of VaultStaging.dll as loaded by the tests.</summary>
    public static string ModuleAssemblyPath => typeof(VaultStaging.UploadSession).Assembly.Location;

    /// <param name="host">A host to see what is written to it (null: PowerShell's default host).</param>
    public PowerShellHost(PSHost? host = null)
    {
        var iss = InitialSessionState.CreateDefault2();
        iss.ImportPSModule(new[] { ModuleAssemblyPath });
        Runspace = host is null ? RunspaceFactory.CreateRunspace(iss) : RunspaceFactory.CreateRunspace(host, iss);
        Runspace.Open();
    }

    /// <summary>A PowerShell instance bound to this runspace, for BeginInvoke/Stop tests. Dispose it.</summary>
    public PowerShell Create()
    {
        var ps = PowerShell.Create();
        ps.Runspace = Runspace;
        return ps;
    }

    /// <summary>Runs a script, with <paramref name="variables"/> set as script variables first.</summary>
    public PowerShellResult Run(string script, IDictionary<string, object?>? variables = null)
    {
        if (variables is not null)
        {
            foreach (var (name, value) in variables) Runspace.SessionStateProxy.SetVariable(name, value);
        }
        using var ps = Create();
        ps.AddScript(script);
        return Invoke(ps);
    }

    /// <summary>Runs a prepared command (AddCommand/AddParameter) on this runspace.</summary>
    public PowerShellResult Invoke(PowerShell ps)
    {
        if (ps.Runspace is null || !ReferenceEquals(ps.Runspace, Runspace)) ps.Runspace = Runspace;
        Collection<PSObject>? output = null;
        Exception? terminating = null;
        try
        {
            output = ps.Invoke();
        }
        catch (RuntimeException e)
        {
            terminating = e;
        }

        var errors = ps.Streams.Error.ToList();
        if (terminating is IContainsErrorRecord withRecord && !errors.Contains(withRecord.ErrorRecord)) errors.Add(withRecord.ErrorRecord);
        return new PowerShellResult
        {
            Output = output?.ToList() ?? [],
            Errors = errors,
            Verbose = ps.Streams.Verbose.Select(v => v.Message).ToList(),
            Debug = ps.Streams.Debug.Select(d => d.Message).ToList(),
            Warnings = ps.Streams.Warning.Select(w => w.Message).ToList(),
            Terminating = terminating,
        };
    }

    /// <summary>Connect-Vault -Vault <paramref name="vault"/> -Credential (user, password); throws if it fails.</summary>
    public void Connect(string vault, string userName, string password, int maximumRetryCount = 0)
    {
        using var ps = Create();
        ps.AddCommand("Connect-Vault")
            .AddParameter("Vault", vault)
            .AddParameter("Credential", new PSCredential(userName, ToSecureString(password)))
            .AddParameter("MaximumRetryCount", maximumRetryCount);
        var result = Invoke(ps);
        if (result.Terminating is not null || result.Errors.Count > 0)
        {
            throw new InvalidOperationException("Connect-Vault failed: " +
                string.Join("; ", result.Errors.Select(e => $"{e.FullyQualifiedErrorId}: {e}")), result.Terminating);
        }
    }

    public static SecureString ToSecureString(string text)
    {
        var s = new SecureString();
        foreach (char c in text) s.AppendChar(c);
        s.MakeReadOnly();
        return s;
    }

    public void Dispose() => Runspace.Dispose();
}
