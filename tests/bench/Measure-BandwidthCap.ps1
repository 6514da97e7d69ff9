#Requires -Version 7.0
<#
.SYNOPSIS
    How closely -MaximumBytesPerSecond holds (issue 21): the time of a capped upload and a capped download of
    several files at once against the time the cap implies, and the largest number of bytes the emulator
    received in any 2 seconds after the first, against the cap. Kept apart from Invoke-Benchmark.ps1 (which
    compares contenders); run after ./build.ps1 Build.
.EXAMPLE
    dotnet pwsh -NoProfile -File tests/bench/Measure-BandwidthCap.ps1 -Files 8 -FileBytes 5MB -Cap 4MB
#>
param([int] $Files = 8, [long] $FileBytes = 5MB, [long] $Cap = 4MB)

$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
Import-Module (Join-Path $PSScriptRoot '../pester/TestEmulator.psm1') -Force
Import-Module (Get-TestModulePath) -Force
$emu = Start-TestEmulator
$folder = Join-Path ([IO.Path]::GetTempPath()) ('vaultstaging-cap-' + [guid]::NewGuid().ToString('N'))
try {
    Connect-Vault -Vault $emu.BaseUrl -Credential $emu.Users['jane'].Credential
    foreach ($i in 1..$Files) { $null = New-TestFile -Folder $folder -Name "f$i.bin" -Bytes $FileBytes -Seed $i }
    $implied = $Files * $FileBytes / $Cap

    $null = Invoke-EmulatorControl -Method Delete -Path throughput
    $up = [Diagnostics.Stopwatch]::StartNew()
    Send-VaultFile -Path $folder -Recurse -Destination '/cap/' -ThrottleLimit $Files -MaximumBytesPerSecond $Cap
    $up.Stop()
    $buckets = @((Invoke-EmulatorControl -Path throughput).buckets | Where-Object bytesIn -gt 0)
    $byStart = @{}
    foreach ($b in $buckets) { $byStart[[long]$b.startMs] = [long]$b.bytesIn }
    $largest = 0L
    for ($start = [long]$buckets[0].startMs + 1000; $start + 2000 -le [long]$buckets[-1].startMs; $start += 250) {
        $sum = 0L
        for ($s = $start; $s -lt $start + 2000; $s += 250) { if ($byStart.ContainsKey($s)) { $sum += $byStart[$s] } }
        $largest = [Math]::Max($largest, $sum)
    }

    $down = [Diagnostics.Stopwatch]::StartNew()
    Receive-VaultFile -Path '/cap' -Recurse -Destination (Join-Path $folder 'down') -MaximumBytesPerSecond $Cap
    $down.Stop()

    [pscustomobject]@{
        Transfer          = "$Files x $FileBytes bytes at $Cap B/s"
        ImpliedSeconds    = [Math]::Round($implied, 2)
        UploadSeconds     = [Math]::Round($up.Elapsed.TotalSeconds, 2)
        UploadRatio       = [Math]::Round($up.Elapsed.TotalSeconds / $implied, 2)
        DownloadSeconds   = [Math]::Round($down.Elapsed.TotalSeconds, 2)
        DownloadRatio     = [Math]::Round($down.Elapsed.TotalSeconds / $implied, 2)
        Largest2sOverCap  = [Math]::Round($largest / (2.0 * $Cap), 3)
    }
} finally {
    Stop-TestEmulator $emu
    Remove-Item -Recurse -Force $folder -ErrorAction SilentlyContinue
}
