#Requires -Version 7.0
<#
.SYNOPSIS
    Child process of Invoke-Benchmark.ps1: one command of the module in a fresh pwsh, with the process's peak
    working set during it. Prints one JSON line: { ms, baselineBytes, peakBytes, peakIsSinceStart, result }.
.DESCRIPTION
    Imports the module, connects, runs -Warmup (if given: JIT and first-call costs that do not grow with the
    work, such as a small listing), collects garbage, then runs -Script and reports its time and the peak.
    On Linux the kernel's high-water mark of the resident set (VmHWM, which Process.PeakWorkingSet64 reads)
    is reset just before -Script by writing 5 to /proc/self/clear_refs, so the peak is the peak during it.
    Where that is not possible the peak is since the process started (peakIsSinceStart).
    -Script's last output (a status, a count) is reported as result.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $BaseUrl,
    [Parameter(Mandatory)] [string] $UserName,
    [Parameter(Mandatory)] [string] $Password,
    [Parameter(Mandatory)] [string] $Script,
    [string] $Warmup
)
Set-StrictMode -Version 3.0
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'

Import-Module $ModulePath
$credential = [pscredential]::new($UserName, (ConvertTo-SecureString $Password -AsPlainText -Force))
$null = Connect-Vault -Vault $BaseUrl -Credential $credential
if ($Warmup) { $null = & ([scriptblock]::Create($Warmup)) }

[GC]::Collect()
[GC]::WaitForPendingFinalizers()
[GC]::Collect()
$me = [Diagnostics.Process]::GetCurrentProcess()
$sinceStart = $true
try {
    [IO.File]::WriteAllText("/proc/$PID/clear_refs", '5')
    $sinceStart = $false
} catch {
    # Not Linux, or not allowed: the peak below is since the process started.
}
$me.Refresh()
$baseline = $me.WorkingSet64

$watch = [Diagnostics.Stopwatch]::StartNew()
$result = & ([scriptblock]::Create($Script)) | Select-Object -Last 1
$watch.Stop()

$me.Refresh()
[pscustomobject]@{
    ms               = $watch.Elapsed.TotalMilliseconds
    baselineBytes    = $baseline
    peakBytes        = $me.PeakWorkingSet64
    peakIsSinceStart = $sinceStart
    result           = "$result"
} | ConvertTo-Json -Compress
Disconnect-Vault
