# Helpers for the Pester suite: the Vault emulator as a child process, its /_emulator control API,
# raw Vault calls (to check what the module did, on the server's side) and the paths of what is tested.
#
# Paths: the staged module (build.ps1 Build) is $env:VAULTSTAGING_MODULE or ./out/VaultStaging; the
# emulator is $env:VAULTSTAGING_EMULATOR or tests/VaultStaging.Emulator/bin/{Release,Debug}/net10.0.

Set-StrictMode -Version 3.0

$script:RepoRoot = [IO.Path]::GetFullPath((Join-Path $PSScriptRoot '../..'))
$script:Current = $null   # the emulator started last: the default of the other commands
$script:ApiVersion = 'v26.1'

function Get-TestModulePath {
    <# The staged module folder to import by path (never an installed copy). #>
    if ($env:VAULTSTAGING_MODULE) { return $env:VAULTSTAGING_MODULE }
    Join-Path $script:RepoRoot 'out/VaultStaging'
}

function Get-TestEmulatorPath {
    if ($env:VAULTSTAGING_EMULATOR) { return $env:VAULTSTAGING_EMULATOR }
    foreach ($configuration in 'Release', 'Debug') {
        $dll = Join-Path $script:RepoRoot "tests/VaultStaging.Emulator/bin/$configuration/net10.0/VaultStaging.Emulator.dll"
        if (Test-Path $dll) { return $dll }
    }
    throw 'The emulator is not built: run ./build.ps1 (or dotnet build tests/VaultStaging.Emulator -c Release).'
}

function Start-TestEmulator {
    <#
    .SYNOPSIS
        Starts the emulator as a child process on a free loopback port and returns
        { BaseUrl, Process, Info, Users }. Users is keyed by short name (admin, jane, bob, outsider), each
        { UserName, Password, UserId, IsAdmin, Token, Credential }. The child stops when its stdin closes,
        so it dies with this process even if Stop-TestEmulator never runs.
    .PARAMETER ArgumentList
        More emulator options, e.g. '--list-page-size', '1'.
    #>
    [CmdletBinding()]
    param([string[]] $ArgumentList = @())

    $portFile = Join-Path ([IO.Path]::GetTempPath()) ('vaultstaging-emu-{0}.url' -f [guid]::NewGuid().ToString('N'))
    $psi = [Diagnostics.ProcessStartInfo]::new('dotnet')
    foreach ($arg in @((Get-TestEmulatorPath), '--urls', 'http://127.0.0.1:0', '--port-file', $portFile, '--exit-on-stdin-eof') + $ArgumentList) {
        $psi.ArgumentList.Add($arg)
    }
    $psi.UseShellExecute = $false
    $psi.RedirectStandardInput = $true
    $psi.RedirectStandardOutput = $true   # only the one "listening" line is ever written there
    $process = [Diagnostics.Process]::Start($psi)

    $deadline = [DateTime]::UtcNow.AddSeconds(30)
    while (-not (Test-Path $portFile)) {
        if ($process.HasExited) { throw "The emulator exited with code $($process.ExitCode) before listening." }
        if ([DateTime]::UtcNow -gt $deadline) {
            $process.Kill($true)
            throw 'The emulator did not listen within 30 seconds.'
        }
        Start-Sleep -Milliseconds 25
    }
    $baseUrl = (Get-Content -Raw $portFile).Trim()
    Remove-Item $portFile -ErrorAction SilentlyContinue

    # An https emulator serves a test certificate that only the module's tests trust (its control calls need no check).
    $info = Invoke-RestMethod -Uri "$baseUrl/_emulator/info" -SkipCertificateCheck:($baseUrl -like 'https:*')
    $users = @{}
    foreach ($u in $info.users) {
        $short = ($u.userName -split '@')[0]
        $users[$short] = [pscustomobject]@{
            UserName   = $u.userName
            Password   = $u.password
            UserId     = [long]$u.userId
            IsAdmin    = [bool]$u.isAdmin
            Token      = $u.token
            Credential = [pscredential]::new($u.userName, (ConvertTo-SecureString $u.password -AsPlainText -Force))
        }
    }
    $emulator = [pscustomobject]@{
        PSTypeName = 'VaultStaging.TestEmulator'
        BaseUrl    = $baseUrl
        Process    = $process
        Info       = $info
        Users      = $users
    }
    $script:Current = $emulator
    $emulator
}

function Stop-TestEmulator {
    [CmdletBinding()]
    param($Emulator = $script:Current)
    if (-not $Emulator) { return }
    $process = $Emulator.Process
    if (-not $process.HasExited) {
        try { $process.StandardInput.Close() } catch { }
        if (-not $process.WaitForExit(5000)) { $process.Kill($true); $null = $process.WaitForExit(5000) }
    }
    $process.Dispose()
    if ($script:Current -eq $Emulator) { $script:Current = $null }
}

function Invoke-EmulatorControl {
    <#
    .SYNOPSIS
        Calls the emulator's control API: Invoke-EmulatorControl -Method Post -Path reset;
        Invoke-EmulatorControl -Method Post -Path faults -Body @{ kind = 'slow'; operation = 'list' }.
        -Path may be 'faults' or '/_emulator/faults'.
    #>
    [CmdletBinding()]
    param(
        [ValidateSet('Get', 'Post', 'Delete')] [string] $Method = 'Get',
        [Parameter(Mandatory)] [string] $Path,
        $Body,
        $Emulator = $script:Current
    )
    if (-not $Emulator) { throw 'No emulator: call Start-TestEmulator first.' }
    $relative = $Path.TrimStart('/')
    if (-not $relative.StartsWith('_emulator/')) { $relative = "_emulator/$relative" }
    $request = @{ Uri = "$($Emulator.BaseUrl)/$relative"; Method = $Method; SkipCertificateCheck = $Emulator.BaseUrl -like 'https:*' }
    if ($null -ne $Body) {
        $request.Body = $Body | ConvertTo-Json -Depth 10 -Compress
        $request.ContentType = 'application/json'
    }
    Invoke-RestMethod @request
}

function Reset-TestEmulator {
    <# Back to the start-up state (seed sessions, users, no faults, clock offset 0, empty log). #>
    param($Emulator = $script:Current)
    $null = Invoke-EmulatorControl -Method Post -Path reset -Emulator $Emulator
}

function New-TestVaultSession {
    <# Logs in with a raw POST /auth (as another tool would) and returns the session id. #>
    param(
        [Parameter(Mandatory)] [string] $User,
        $Emulator = $script:Current
    )
    $u = $Emulator.Users[$User]
    $answer = Invoke-RestMethod -Method Post -Uri "$($Emulator.BaseUrl)/api/$script:ApiVersion/auth" `
        -Body @{ username = $u.UserName; password = $u.Password }
    if ($answer.responseStatus -ne 'SUCCESS') { throw "Raw login as $User failed: $($answer | ConvertTo-Json -Depth 5 -Compress)" }
    $answer.sessionId
}

function Invoke-RawVault {
    <# A raw Vault API call with the given credential in Authorization; returns Vault's parsed envelope. #>
    param(
        [Parameter(Mandatory)] [string] $Authorization,
        [string] $Path = 'services/file_staging/upload',
        [string] $Method = 'Get',
        $Emulator = $script:Current
    )
    Invoke-RestMethod -Method $Method -Uri "$($Emulator.BaseUrl)/api/$script:ApiVersion/$Path" `
        -Headers @{ Authorization = $Authorization; Accept = 'application/json' }
}

function ConvertTo-SecureText([string] $Text) { ConvertTo-SecureString $Text -AsPlainText -Force }

function New-TestFile {
    <# A file of $Bytes pseudo-random bytes (the same for the same -Seed) in $Folder; returns its full path. #>
    param([Parameter(Mandatory)] [string] $Folder, [Parameter(Mandatory)] [string] $Name, [long] $Bytes, [int] $Seed = 1)
    $path = Join-Path $Folder $Name
    $null = New-Item -ItemType Directory -Force -Path (Split-Path $path)
    $rng = [Random]::new($Seed)
    $buffer = [byte[]]::new([Math]::Max(1, [Math]::Min($Bytes, 8MB)))
    $stream = [IO.File]::Create($path)
    try {
        $left = $Bytes
        while ($left -gt 0) {
            $rng.NextBytes($buffer)
            $n = [int][Math]::Min($left, $buffer.Length)
            $stream.Write($buffer, 0, $n)
            $left -= $n
        }
    } finally { $stream.Dispose() }
    $path
}

function Get-EmulatorLog {
    <# The emulator's request log, one entry per request (Invoke-RestMethod gives a JSON array as one object). #>
    param($Emulator = $script:Current)
    foreach ($entry in (Invoke-EmulatorControl -Path log -Emulator $Emulator)) { $entry }
}

function Get-StagedFile {
    <# {exists, size, sha256} of a staged file, by its path from the staging root (/u10001400/x.bin). #>
    param([Parameter(Mandatory)] [string] $Path, $Emulator = $script:Current)
    Invoke-EmulatorControl -Path ('staged?path=' + [uri]::EscapeDataString($Path)) -Emulator $Emulator
}

function Get-TestSha256([string] $Path) { (Get-FileHash -Algorithm SHA256 -LiteralPath $Path).Hash.ToLowerInvariant() }

Export-ModuleMember -Function Get-TestModulePath, Get-TestEmulatorPath, Start-TestEmulator, Stop-TestEmulator,
    Invoke-EmulatorControl, Reset-TestEmulator, New-TestVaultSession, Invoke-RawVault, ConvertTo-SecureText,
    New-TestFile, Get-EmulatorLog, Get-StagedFile, Get-TestSha256
