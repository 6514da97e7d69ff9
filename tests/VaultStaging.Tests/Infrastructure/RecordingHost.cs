using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Host;
using System.Security;

namespace VaultStaging.Tests.Infrastructure;

/// <summary>
/// A PowerShell host that records what is written to the host itself, as a console would show it. After
/// Ctrl+C (PowerShell.Stop) the pipeline's streams are closed and a command can only reach the user
/// through the host: this is where such lines are checked.
/// </summary>
public sealed class RecordingHost : PSHost
{
    private readonly RecordingUI _ui = new();

    public IReadOnlyList<string> Warnings => _ui.Warnings;
    public IReadOnlyList<string> Lines => _ui.Lines;

    public override string Name => "VaultStaging.Tests";
    public override Version Version { get; } = new(1, 0);
    public override Guid InstanceId { get; } = Guid.NewGuid();
    public override PSHostUserInterface UI => _ui;
    public override CultureInfo CurrentCulture => CultureInfo.CurrentCulture;
    public override CultureInfo CurrentUICulture => CultureInfo.CurrentUICulture;
    public override void SetShouldExit(int exitCode) { }
    public override void EnterNestedPrompt() => throw new NotSupportedException();
    public override void ExitNestedPrompt() => throw new NotSupportedException();
    public override void NotifyBeginApplication() { }
    public override void NotifyEndApplication() { }

    private sealed class RecordingUI : PSHostUserInterface
    {
        private readonly List<string> _warnings = [];
        private readonly List<string> _lines = [];

        public IReadOnlyList<string> Warnings { get { lock (_warnings) return _warnings.ToList(); } }
        public IReadOnlyList<string> Lines { get { lock (_lines) return _lines.ToList(); } }

        public override PSHostRawUserInterface? RawUI => null;
        public override void WriteWarningLine(string message) { lock (_warnings) _warnings.Add(message); }
        public override void Write(string value) => Add(value);
        public override void Write(ConsoleColor foregroundColor, ConsoleColor backgroundColor, string value) => Add(value);
        public override void WriteLine(string value) => Add(value);
        public override void WriteErrorLine(string value) => Add(value);
        public override void WriteDebugLine(string message) => Add(message);
        public override void WriteVerboseLine(string message) => Add(message);
        public override void WriteProgress(long sourceId, ProgressRecord record) { }
        public override string ReadLine() => throw new NotSupportedException("No input in tests.");
        public override SecureString ReadLineAsSecureString() => throw new NotSupportedException("No input in tests.");
        public override Dictionary<string, PSObject> Prompt(string caption, string message, System.Collections.ObjectModel.Collection<FieldDescription> descriptions) => throw new NotSupportedException("No input in tests.");
        public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName) => throw new NotSupportedException("No input in tests.");
        public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName, PSCredentialTypes allowedCredentialTypes, PSCredentialUIOptions options) => throw new NotSupportedException("No input in tests.");
        public override int PromptForChoice(string caption, string message, System.Collections.ObjectModel.Collection<ChoiceDescription> choices, int defaultChoice) => throw new NotSupportedException("No input in tests.");

        private void Add(string text) { lock (_lines) _lines.Add(text); }
    }
}
