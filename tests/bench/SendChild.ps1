#Requires -Version 7.0
<#
.SYNOPSIS
    Child process of Invoke-Benchmark.ps1: one Send-VaultFile in a fresh pwsh, with the process's peak
    working set during it. Prints one JSON line: { ms, baselineBytes, peakBytes, peakIsSinceStart, status }.
.DESCRIPTION
    On Linux the kernel's high-water mark of the resident set (VmHWM, which Process.PeakWorkingSet64 reads)
    is reset just before the upload by writing 5 to /proc/self/clear_refs, so the peak is the peak during
    Send-VaultFile. Where that is not possible the peak is since the process started (peakIsSinceStart).
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $BaseUrl,
    [Parameter(Mandatory)] [string] $UserName,
    [Parameter(Mandatory)] [string] $Password,
    [Parameter(Mandatory)] [string] $Path,
    [Parameter(Mandatory)] [string] $Destination
)
Set-StrictMode -Version 3.0
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'

Import-Module $ModulePath
$credential = [pscredential]::new($UserName, (ConvertTo-SecureString $Password -AsPlainText -Force))
$null = Connect-Vault -Vault $BaseUrl -Credential $credential

[GC]::Collect()
[GC]::WaitForPendingFinalizers()
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
$result = Send-VaultFile -Path $Path -Destination $Destination -PassThru
$watch.Stop()

$me.Refresh()
[pscustomobject]@{
    ms               = $watch.Elapsed.TotalMilliseconds
    baselineBytes    = $baseline
    peakBytes        = $me.PeakWorkingSet64
    peakIsSinceStart = $sinceStart
    status           = $result.Status
} | ConvertTo-Json -Compress
Disconnect-Vault
