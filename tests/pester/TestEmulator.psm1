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
    .PARAMETER Https
        Serve https with a self-signed certificate for 127.0.0.1 made for this emulator (New-TestCertificate);
        the result's CertificateFile is its PEM, which a child pwsh trusts through SSL_CERT_FILE (Linux).
    #>
    [CmdletBinding()]
    param([string[]] $ArgumentList = @(), [switch] $Https)

    $portFile = Join-Path ([IO.Path]::GetTempPath()) ('vaultstaging-emu-{0}.url' -f [guid]::NewGuid().ToString('N'))
    $certificate = $null
    $urls = 'http://127.0.0.1:0'
    if ($Https) {
        $certificate = New-TestCertificate
        $urls = 'https://127.0.0.1:0'
        $ArgumentList = @('--tls-cert', $certificate.CertificateFile, '--tls-key', $certificate.KeyFile) + $ArgumentList
    }
    $psi = [Diagnostics.ProcessStartInfo]::new('dotnet')
    foreach ($arg in @((Get-TestEmulatorPath), '--urls', $urls, '--port-file', $portFile, '--exit-on-stdin-eof') + $ArgumentList) {
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

    # The control API of an https emulator is called without checking its test certificate (this process
    # trusts only the system's roots); the module under test is never given such a switch.
    $info = Invoke-RestMethod -Uri "$baseUrl/_emulator/info" -SkipCertificateCheck:$Https
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
        Https      = [bool]$Https
        CertificateFile = $(if ($certificate) { $certificate.CertificateFile })
        CertificateFolder = $(if ($certificate) { $certificate.Folder })
        StagingRoot = $info.stagingRoot
    }
    $script:Current = $emulator
    $emulator
}

function New-TestCertificate {
    <#
    .SYNOPSIS
        A self-signed server certificate for 127.0.0.1 and localhost (2 days), written as PEM files to a new
        temp folder: { CertificateFile, KeyFile, Folder }. What the emulator's --tls-cert/--tls-key take.
    #>
    $folder = Join-Path ([IO.Path]::GetTempPath()) ('vaultstaging-tls-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
    $null = New-Item -ItemType Directory -Path $folder
    $key = [Security.Cryptography.RSA]::Create(2048)
    try {
        $request = [Security.Cryptography.X509Certificates.CertificateRequest]::new('CN=localhost', $key,
            [Security.Cryptography.HashAlgorithmName]::SHA256, [Security.Cryptography.RSASignaturePadding]::Pkcs1)
        $names = [Security.Cryptography.X509Certificates.SubjectAlternativeNameBuilder]::new()
        $names.AddIpAddress([Net.IPAddress]::Loopback)
        $names.AddDnsName('localhost')
        $request.CertificateExtensions.Add($names.Build())
        $request.CertificateExtensions.Add([Security.Cryptography.X509Certificates.X509BasicConstraintsExtension]::new($false, $false, 0, $false))
        $serverAuth = [Security.Cryptography.OidCollection]::new()
        $null = $serverAuth.Add([Security.Cryptography.Oid]::new('1.3.6.1.5.5.7.3.1'))
        $request.CertificateExtensions.Add([Security.Cryptography.X509Certificates.X509EnhancedKeyUsageExtension]::new($serverAuth, $false))
        $certificate = $request.CreateSelfSigned([DateTimeOffset]::UtcNow.AddMinutes(-5), [DateTimeOffset]::UtcNow.AddDays(2))
        $certFile = Join-Path $folder 'cert.pem'
        $keyFile = Join-Path $folder 'key.pem'
        [IO.File]::WriteAllText($certFile, $certificate.ExportCertificatePem())
        [IO.File]::WriteAllText($keyFile, $key.ExportPkcs8PrivateKeyPem())
        $certificate.Dispose()
    } finally { $key.Dispose() }
    [pscustomobject]@{ CertificateFile = $certFile; KeyFile = $keyFile; Folder = $folder }
}

function Invoke-TestPwsh {
    <#
    .SYNOPSIS
        Runs a script in a fresh pwsh (the one running these tests) with extra environment variables, e.g.
        @{ SSL_CERT_FILE = $emu.CertificateFile }, and returns { ExitCode, Output, Errors } (stdout and stderr text).
    #>
    param([Parameter(Mandatory)] [string] $Command, [hashtable] $Environment = @{}, [int] $TimeoutSeconds = 300)
    $psi = [Diagnostics.ProcessStartInfo]::new('dotnet')
    foreach ($arg in (Join-Path $PSHOME 'pwsh.dll'), '-NoProfile', '-NonInteractive', '-Command', $Command) { $psi.ArgumentList.Add($arg) }
    foreach ($name in $Environment.Keys) { $psi.Environment[$name] = [string]$Environment[$name] }
    $psi.UseShellExecute = $false
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardError = $true
    $process = [Diagnostics.Process]::Start($psi)
    try {
        $stdout = $process.StandardOutput.ReadToEndAsync()
        $stderr = $process.StandardError.ReadToEndAsync()
        if (-not $process.WaitForExit($TimeoutSeconds * 1000)) { $process.Kill($true); throw "The child pwsh did not end within $TimeoutSeconds s." }
        $process.WaitForExit()
        [pscustomobject]@{ ExitCode = $process.ExitCode; Output = $stdout.GetAwaiter().GetResult(); Errors = $stderr.GetAwaiter().GetResult() }
    } finally { $process.Dispose() }
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
    if ($Emulator.CertificateFolder) { Remove-Item -LiteralPath $Emulator.CertificateFolder -Recurse -Force -ErrorAction SilentlyContinue }
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
    $request = @{ Uri = "$($Emulator.BaseUrl)/$relative"; Method = $Method; SkipCertificateCheck = $Emulator.Https }
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
        -Body @{ username = $u.UserName; password = $u.Password } -SkipCertificateCheck:$Emulator.Https
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
        -Headers @{ Authorization = $Authorization; Accept = 'application/json' } -SkipCertificateCheck:$Emulator.Https
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

Export-ModuleMember -Function Get-TestModulePath, Get-TestEmulatorPath, Start-TestEmulator, Stop-TestEmulator, New-TestCertificate, Invoke-TestPwsh,
    Invoke-EmulatorControl, Reset-TestEmulator, New-TestVaultSession, Invoke-RawVault, ConvertTo-SecureText,
    New-TestFile, Get-EmulatorLog, Get-StagedFile, Get-TestSha256
