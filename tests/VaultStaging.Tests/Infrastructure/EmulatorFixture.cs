using VaultStaging.Emulator;

namespace VaultStaging.Tests.Infrastructure;

/// <summary>
/// One in-process Vault emulator (seeded with the seed's three upload sessions) shared by the tests of a
/// class (<c>IClassFixture&lt;EmulatorFixture&gt;</c>) or of the "Emulator" collection. Tests that change
/// its state call <see cref="Reset"/> first, so the order tests run in does not matter.
/// </summary>
public class EmulatorFixture : IAsyncLifetime
{
    private VaultEmulator? _emulator;

    public VaultEmulator Emulator => _emulator ?? throw new InvalidOperationException("The emulator is not started.");

    /// <summary>http://127.0.0.1:PORT (no trailing slash): what Connect-Vault -Vault takes.</summary>
    public string BaseUrl => Emulator.BaseUrl;

    public Uri BaseUri => Emulator.BaseUri;

    public EmulatorState State => Emulator.State;

    public const string AdminUserName = EmulatorOptions.AdminUserName;
    public const string AdminPassword = "Adm1n-Pass!word";
    public const string JaneUserName = EmulatorOptions.JaneUserName;
    public const string JanePassword = "Jane-Pass!word1";
    public const string BobUserName = EmulatorOptions.BobUserName;
    public const string BobPassword = "Bob-Pass!word2";

    /// <summary>Options for the emulator; override in a derived fixture for, e.g., paging.</summary>
    protected virtual EmulatorOptions CreateOptions() => new();

    public async Task InitializeAsync() => _emulator = await VaultEmulator.StartAsync(CreateOptions());

    public async Task DisposeAsync()
    {
        if (_emulator is not null) await _emulator.DisposeAsync();
    }

    /// <summary>Back to the start-up state: seed sessions, default users, no faults, clock offset 0, empty log.</summary>
    public void Reset() => State.Reset();

    public string PasswordOf(string userName) =>
        State.Users.First(u => string.Equals(u.UserName, userName, StringComparison.OrdinalIgnoreCase)).Password;
}

/// <summary>Test classes marked <c>[Collection(EmulatorCollection.Name)]</c> share one emulator (and never run in parallel).</summary>
[CollectionDefinition(Name)]
public sealed class EmulatorCollection : ICollectionFixture<EmulatorFixture>
{
    public const string Name = "Emulator";
}
