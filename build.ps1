#Requires -Version 7.0
<#
.SYNOPSIS
    Builds, tests and demonstrates the VaultStaging module.

.DESCRIPTION
    Tasks (each runs the tasks it depends on first, once):
      Build  (default) builds the module and the Vault emulator, and stages the module in out/VaultStaging/
             so that `Import-Module ./out/VaultStaging` works.
      Test   Build, then the xunit suite (dotnet test, TRX) and the Pester suite (tests/pester, in a fresh
             `dotnet pwsh`). Prints the figures of each suite, then one last line
             `Tests: N passed, N failed`; exits 1 on any failure, a crashed suite included.
      Demo   Build, start the emulator (the seed's three upload sessions), connect, print
             Get-VaultUploadSession as a table; on the emulator also send a small folder tree, list it
             and receive it back; disconnect, stop the emulator. With -Vault it connects to
             that vault instead (-Credential, or a prompt).
      Bench  Build, then the benchmark (tests/bench, issues 5 and 14): every row on a simulated network
             (40 ms, 100 Mbit/s per connection) and on loopback; a markdown table, also in out/bench.md.
      Package Build, then out/package/VaultStaging.<version>.nupkg (PSResourceGet, a local repository); with
             -CertificateThumbprint, signed first.
      Sign   Build, then signs $FilesToSign in out/VaultStaging with Set-AuthenticodeSignature (Windows only;
             -CertificateThumbprint of a code-signing certificate), for Windows PowerShell's AllSigned policy.

    To add a task: write a function, add it to $Tasks with what it depends on, and to the ValidateSet.

.EXAMPLE
    dotnet tool restore && dotnet pwsh ./build.ps1 Test
.EXAMPLE
    dotnet pwsh ./build.ps1 Demo -Vault myvault.veevavault.com -Credential (Get-Credential)
#>
[CmdletBinding()]
param(
    [Parameter(Position = 0)]
    [ValidateSet('Build', 'Test', 'Demo', 'Package', 'Bench', 'Sign')]
    [string] $Task = 'Build',

    # Demo only: a real vault (DNS name or https URL) instead of the emulator.
    [string] $Vault,

    # Demo only, with -Vault: the vault user's credential (prompted for when missing).
    [pscredential] $Credential,

    # Sign, and Package for a signed package (Windows): the thumbprint of a code-signing certificate in
    # Cert:\CurrentUser\My.
    [string] $CertificateThumbprint,

    # Sign: the RFC 3161 timestamp server, so signatures outlive the certificate.
    [string] $TimestampServer = 'http://timestamp.digicert.com',

    [string] $Configuration = 'Release'
)

Set-StrictMode -Version 3.0
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'

$Root = $PSScriptRoot
$ModuleProject = Join-Path $Root 'src/VaultStaging/VaultStaging.csproj'
$EmulatorProject = Join-Path $Root 'tests/VaultStaging.Emulator/VaultStaging.Emulator.csproj'
$TestProject = Join-Path $Root 'tests/VaultStaging.Tests/VaultStaging.Tests.csproj'
$PesterTests = Join-Path $Root 'tests/pester'
$OutRoot = Join-Path $Root 'out'
$ModuleOut = Join-Path $OutRoot 'VaultStaging'
$ResultsDir = Join-Path $OutRoot 'TestResults'
$PesterVersion = '6.2.0'

# What goes into out/VaultStaging, and where from. System.Management.Automation.dll never does.
$ModuleBin = Join-Path $Root "src/VaultStaging/bin/$Configuration/netstandard2.0"
$EmulatorDll = Join-Path $Root "tests/VaultStaging.Emulator/bin/$Configuration/net10.0/VaultStaging.Emulator.dll"
$ModuleFiles = @(
    (Join-Path $Root 'VaultStaging.psd1')
    (Join-Path $ModuleBin 'VaultStaging.dll')
    (Join-Path $ModuleBin 'Newtonsoft.Json.dll')
    (Join-Path $Root 'src/VaultStaging/VaultStaging.Format.ps1xml')
    (Join-Path $Root 'src/VaultStaging/VaultStaging.Requirements.ps1')
)

# What a signed build signs (Authenticode; the Sign task): every staged file Windows PowerShell's execution
# policy checks (.psd1, .ps1, .psm1, .ps1xml) and our own assembly. Newtonsoft.Json.dll comes signed by its
# publisher. tests/pester/Package.Tests.ps1 checks that this list is the staged files of those kinds.
$FilesToSign = @('VaultStaging.psd1', 'VaultStaging.Requirements.ps1', 'VaultStaging.Format.ps1xml', 'VaultStaging.dll')

# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------

function Write-Step([string] $Text) { Write-Host "==> $Text" -ForegroundColor Cyan }

# Runs a native command (a script block) and throws if it exits non-zero.
function Invoke-Native([string] $What, [scriptblock] $Command) {
    & $Command | Out-Host
    if ($LASTEXITCODE -ne 0) { throw "$What failed (exit code $LASTEXITCODE)." }
}

function Get-NuGetPackagesFolder {
    if ($env:NUGET_PACKAGES) { return $env:NUGET_PACKAGES }
    $lines = @(& dotnet nuget locals global-packages --list 2>$null)
    $exitCode = $LASTEXITCODE
    $found = $lines | Where-Object { $_ -match '^\s*global-packages:\s*(.+?)\s*$' } | Select-Object -First 1
    if ($exitCode -ne 0 -or -not $found) {
        throw "Could not find the NuGet global packages folder (dotnet nuget locals global-packages --list said: $($lines -join ' '))."
    }
    $null = $found -match '^\s*global-packages:\s*(.+?)\s*$'
    $Matches[1]
}

# Pester comes from NuGet (a PackageDownload in the test project), never from the Gallery.
function Get-PesterManifest {
    $path = Join-Path (Get-NuGetPackagesFolder) "pester/$PesterVersion/tools/Pester.psd1"
    if (-not (Test-Path $path)) {
        Invoke-Native 'dotnet restore (Pester download)' { dotnet restore $TestProject --nologo -v quiet }
    }
    if (-not (Test-Path $path)) { throw "Pester $PesterVersion is not at $path after restoring $TestProject." }
    $path
}

# ---------------------------------------------------------------------------------------------
# Tasks
# ---------------------------------------------------------------------------------------------

function Invoke-BuildTask {
    Write-Step "Building the module and the emulator ($Configuration)"
    Invoke-Native 'dotnet build (module)' { dotnet build $ModuleProject -c $Configuration --nologo -v minimal }
    Invoke-Native 'dotnet build (emulator)' { dotnet build $EmulatorProject -c $Configuration --nologo -v minimal }

    Write-Step "Staging $ModuleOut"
    if (Test-Path $ModuleOut) { Remove-Item $ModuleOut -Recurse -Force }
    $null = New-Item -ItemType Directory -Path $ModuleOut -Force
    foreach ($file in $ModuleFiles) {
        if (-not (Test-Path $file)) { throw "Cannot stage the module: $file does not exist." }
        Copy-Item $file -Destination $ModuleOut
    }
    if (Test-Path (Join-Path $ModuleOut 'System.Management.Automation.dll')) {
        throw 'System.Management.Automation.dll must never ship with the module.'
    }
    # Help (MAML and the about topic) from docs/help; fails when a parameter has no description.
    Write-Step 'Generating help from docs/help'
    $null = & (Join-Path $Root 'tools/New-ExternalHelp.ps1') -SourcePath (Join-Path $Root 'docs/help') -OutputPath $ModuleOut
    # Checks the manifest and that every file it names is there.
    $manifest = Test-ModuleManifest -Path (Join-Path $ModuleOut 'VaultStaging.psd1') -ErrorAction Stop
    Write-Host "Staged $($manifest.Name) $($manifest.Version): $((Get-ChildItem $ModuleOut).Name -join ', ')"
}

# Runs the xunit suite; returns @{ Name; Passed; Failed; Note }.
function Invoke-XunitSuite {
    Write-Step 'xunit: dotnet test tests/VaultStaging.Tests'
    $trxDir = Join-Path $ResultsDir 'xunit'
    if (Test-Path $trxDir) { Remove-Item $trxDir -Recurse -Force }
    & dotnet test $TestProject -c $Configuration --nologo `
        --logger 'trx;LogFileName=xunit.trx' --logger 'console;verbosity=normal' --results-directory $trxDir | Out-Host
    $exitCode = $LASTEXITCODE

    $trx = Get-ChildItem -Path $trxDir -Filter *.trx -Recurse -ErrorAction SilentlyContinue | Select-Object -First 1
    if (-not $trx) {
        # No results at all: the build failed or the test host crashed. That is a failure, not zero tests.
        return @{ Name = 'xunit'; Passed = 0; Failed = 1; Note = "no results file (dotnet test exit code $exitCode): counted as 1 failure" }
    }
    $results = [xml](Get-Content -Raw $trx.FullName)
    $counters = $results.TestRun.ResultSummary.Counters
    $passed = [int]$counters.passed
    $failed = [int]$counters.failed + [int]$counters.error + [int]$counters.timeout + [int]$counters.aborted
    # What failed, by name and the first line of its message, for the summary at the very end of the log.
    $failures = @($results.TestRun.Results.UnitTestResult | Where-Object { $_.outcome -notin 'Passed', 'NotExecuted' } | ForEach-Object {
        $message = "$($_.Output.ErrorInfo.Message)".Trim()
        '{0}: {1}' -f $_.testName, $(if ($message) { ($message -split "`n")[0].Trim() } else { $_.outcome })
    })
    $note = $null
    if ($exitCode -ne 0 -and $failed -eq 0) {
        $failed = 1
        $note = "dotnet test exited with $exitCode although no test failed: counted as 1 failure"
    }
    if ($passed + $failed -eq 0) {
        $failed = 1
        $note = 'no test ran: counted as 1 failure'
    }
    @{ Name = 'xunit'; Passed = $passed; Failed = $failed; Note = $note; Failures = $failures }
}

# Runs tests/pester in a fresh `dotnet pwsh`; returns @{ Name; Passed; Failed; Note }.
function Invoke-PesterSuite {
    Write-Step 'Pester: tests/pester in a fresh dotnet pwsh'
    $pesterManifest = Get-PesterManifest
    $pesterDir = Join-Path $ResultsDir 'pester'
    if (Test-Path $pesterDir) { Remove-Item $pesterDir -Recurse -Force }
    $null = New-Item -ItemType Directory -Path $pesterDir -Force
    $summary = Join-Path $pesterDir 'summary.json'

    # The child finds the module and the emulator through these (TestEmulator.psm1 has the same defaults).
    $env:VAULTSTAGING_MODULE = $ModuleOut
    $env:VAULTSTAGING_EMULATOR = $EmulatorDll
    Push-Location $Root   # `dotnet pwsh` needs the tool manifest of this repository
    try {
        & dotnet pwsh -NoProfile -NonInteractive -File (Join-Path $PesterTests 'Run-PesterSuite.ps1') `
            -PesterManifest $pesterManifest -TestPath $PesterTests -SummaryPath $summary `
            -ResultPath (Join-Path $pesterDir 'pester.xml') | Out-Host
        $exitCode = $LASTEXITCODE
    } finally {
        Pop-Location
        Remove-Item Env:VAULTSTAGING_MODULE, Env:VAULTSTAGING_EMULATOR -ErrorAction SilentlyContinue
    }

    if (-not (Test-Path $summary)) {
        return @{ Name = 'Pester'; Passed = 0; Failed = 1; Note = "no summary file (child pwsh exit code $exitCode): counted as 1 failure" }
    }
    $counts = Get-Content -Raw $summary | ConvertFrom-Json
    $passed = [int]$counts.passed
    $failed = [int]$counts.failed
    $note = $null
    if ($passed + $failed -eq 0) {
        $failed = 1
        $note = 'no test ran: counted as 1 failure'
    }
    @{ Name = 'Pester'; Passed = $passed; Failed = $failed; Note = $note; Failures = @($counts.failures) }
}

function Invoke-TestTask {
    # The tests talk to emulators on loopback (and to vault.test only through their own proxy): a machine's
    # HTTP(S)_PROXY must not send those calls to a corporate proxy, which cannot reach this machine's loopback.
    foreach ($name in 'NO_PROXY', 'no_proxy') {
        $list = @([Environment]::GetEnvironmentVariable($name) -split ',' | Where-Object { $_ }) + '127.0.0.1', 'localhost', '::1'
        [Environment]::SetEnvironmentVariable($name, ($list | Select-Object -Unique) -join ',')
    }
    $suites = @(
        Invoke-XunitSuite
        Invoke-PesterSuite
    )
    $passed = 0
    $failed = 0
    Write-Host ''
    foreach ($suite in $suites) {
        $passed += $suite.Passed
        $failed += $suite.Failed
        $line = '{0}: {1} passed, {2} failed' -f $suite.Name, $suite.Passed, $suite.Failed
        if ($suite.Note) { $line += " ($($suite.Note))" }
        Write-Host $line
        foreach ($failure in @($suite.Failures | Where-Object { $_ })) { Write-Host "  failed: $failure" }
    }
    # The last line, always; the exit code follows from it.
    Write-Host ('Tests: {0} passed, {1} failed' -f $passed, $failed)
    if ($failed -gt 0) { exit 1 }
}

function Start-DemoEmulator {
    $portFile = Join-Path ([IO.Path]::GetTempPath()) ("vaultstaging-demo-{0}.url" -f [guid]::NewGuid().ToString('N'))
    $psi = [Diagnostics.ProcessStartInfo]::new('dotnet')
    foreach ($arg in @($EmulatorDll, '--urls', 'http://127.0.0.1:0', '--port-file', $portFile, '--exit-on-stdin-eof')) {
        $psi.ArgumentList.Add($arg)
    }
    $psi.UseShellExecute = $false
    $psi.RedirectStandardInput = $true    # the emulator stops when this pipe closes, so it dies with us
    $psi.RedirectStandardOutput = $true   # its single "listening" line; the port file says the same
    $process = [Diagnostics.Process]::Start($psi)
    $deadline = [DateTime]::UtcNow.AddSeconds(30)
    while (-not (Test-Path $portFile)) {
        if ($process.HasExited) { throw "The emulator exited with code $($process.ExitCode) before listening." }
        if ([DateTime]::UtcNow -gt $deadline) { $process.Kill($true); throw 'The emulator did not start listening within 30 seconds.' }
        Start-Sleep -Milliseconds 50
    }
    $baseUrl = (Get-Content -Raw $portFile).Trim()
    Remove-Item $portFile -ErrorAction SilentlyContinue
    [pscustomobject]@{ Process = $process; BaseUrl = $baseUrl }
}

function Stop-DemoEmulator($Emulator) {
    if (-not $Emulator -or $Emulator.Process.HasExited) { return }
    try { $Emulator.Process.StandardInput.Close() } catch { }
    if (-not $Emulator.Process.WaitForExit(5000)) { $Emulator.Process.Kill($true) }
}

function Invoke-DemoTask {
    $emulator = $null
    try {
        if ($Vault) {
            $target = $Vault
            $cred = if ($Credential) { $Credential } else { Get-Credential -Message "Vault user for $Vault" }
        } else {
            Write-Step 'Starting the Vault emulator'
            $emulator = Start-DemoEmulator
            Write-Host "Emulator listening on $($emulator.BaseUrl) (seeded with the three upload sessions of the seed)"
            $target = $emulator.BaseUrl
            $cred = [pscredential]::new('admin@emulator.vault', (ConvertTo-SecureString 'Adm1n-Pass!word' -AsPlainText -Force))
        }

        Import-Module $ModuleOut -Force
        Write-Step "Connect-Vault -Vault $target -Credential $($cred.UserName)"
        Connect-Vault -Vault $target -Credential $cred
        try {
            Write-Step 'Get-VaultUploadSession | Format-Table -AutoSize'
            Get-VaultUploadSession | Format-Table -AutoSize | Out-String -Width 200 | Write-Host
            if ($emulator) {
                # The rest of the staging server, on the emulator only: a folder tree up, listed, and back down.
                $local = Join-Path ([IO.Path]::GetTempPath()) ("vaultstaging-demo-" + [guid]::NewGuid().ToString('N'))
                try {
                    $null = New-Item -ItemType Directory -Path (Join-Path $local 'submission/module-2')
                    Set-Content -Path (Join-Path $local 'submission/cover-letter.txt') -Value 'Cholecap submission 42'
                    [IO.File]::WriteAllBytes((Join-Path $local 'submission/module-2/summary.pdf'), [byte[]]::new(200000))
                    Write-Step "Send-VaultFile -Path $local/submission -Recurse -Destination /u10001000/demo -PassThru"
                    Send-VaultFile -Path (Join-Path $local 'submission') -Recurse -Destination '/u10001000/demo' -PassThru |
                        Out-String -Width 200 | Write-Host
                    Write-Step 'Get-VaultStagingItem /u10001000/demo -Recurse'
                    Get-VaultStagingItem '/u10001000/demo' -Recurse | Format-Table | Out-String -Width 200 | Write-Host
                    Write-Step "Receive-VaultFile -Path /u10001000/demo -Recurse -Destination $local/back -PassThru"
                    Receive-VaultFile -Path '/u10001000/demo' -Recurse -Destination (Join-Path $local 'back') -PassThru |
                        Out-String -Width 200 | Write-Host
                } finally {
                    Remove-Item -Recurse -Force $local -ErrorAction SilentlyContinue
                }
            }
        } finally {
            Disconnect-Vault
        }
    } finally {
        if ($emulator) {
            Stop-DemoEmulator $emulator
            Write-Host 'Emulator stopped.'
        }
    }
}

function Invoke-BenchTask {
    Write-Step 'Benchmark against the emulator, network profile and loopback (about 11 minutes on 2 cores)'
    $table = Join-Path $OutRoot 'bench.md'
    Invoke-Native 'the benchmark' { dotnet pwsh -NoProfile -File (Join-Path $Root 'tests/bench/Invoke-Benchmark.ps1') -OutFile $table }
}

function Invoke-SignTask {
    if (-not $CertificateThumbprint) { throw 'Sign needs -CertificateThumbprint: a code-signing certificate in Cert:\CurrentUser\My.' }
    if (-not (Get-Command Set-AuthenticodeSignature -ErrorAction SilentlyContinue)) { throw 'Signing needs Windows (Set-AuthenticodeSignature).' }
    $certificate = Get-Item -LiteralPath "Cert:\CurrentUser\My\$CertificateThumbprint" -ErrorAction Stop
    Write-Step "Signing $($FilesToSign -join ', ')"
    foreach ($name in $FilesToSign) {
        $signed = Set-AuthenticodeSignature -FilePath (Join-Path $ModuleOut $name) -Certificate $certificate -HashAlgorithm SHA256 -TimestampServer $TimestampServer
        if ($signed.Status -ne 'Valid') { throw "Signing $name failed: $($signed.StatusMessage)" }
    }
}

function Invoke-PackageTask {
    if ($CertificateThumbprint) { Invoke-Task Sign }
    Write-Step 'Packaging the module'
    $null = & (Join-Path $Root 'tools/New-ModulePackage.ps1') -ModulePath $ModuleOut -OutputPath (Join-Path $OutRoot 'package')
}

# Each task with the tasks it needs first.
$Tasks = [ordered]@{
    Build = @{ DependsOn = @(); Action = { Invoke-BuildTask } }
    Test  = @{ DependsOn = @('Build'); Action = { Invoke-TestTask } }
    Demo  = @{ DependsOn = @('Build'); Action = { Invoke-DemoTask } }
    Package = @{ DependsOn = @('Build'); Action = { Invoke-PackageTask } }
    Sign  = @{ DependsOn = @('Build'); Action = { Invoke-SignTask } }
    Bench = @{ DependsOn = @('Build'); Action = { Invoke-BenchTask } }
}

$script:Done = [Collections.Generic.HashSet[string]]::new()
function Invoke-Task([string] $Name) {
    if (-not $script:Done.Add($Name)) { return }
    foreach ($dependency in $Tasks[$Name].DependsOn) { Invoke-Task $dependency }
    & $Tasks[$Name].Action
}

try {
    Invoke-Task $Task
} catch {
    Write-Host "build.ps1 $Task failed: $($_.Exception.Message)" -ForegroundColor Red
    if ($Task -eq 'Test') { Write-Host 'Tests: 0 passed, 1 failed' }
    exit 1
}
exit 0
