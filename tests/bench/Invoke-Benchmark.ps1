#Requires -Version 7.0
<#
.SYNOPSIS
    VaultStaging's benchmark (issue 5): the module against what users would write instead, and against
    the machine's floor, on the Vault emulator over loopback. Prints a markdown table.

.DESCRIPTION
    Four cases, each run side by side (alternating order, several rounds, medians):
      1. Listing 50 upload sessions 200 times: Get-VaultUploadSession vs an Invoke-RestMethod loop that
         builds typed [pscustomobject]s vs a C# HttpClient + System.Text.Json loop (BenchFloor, the floor);
         plus the time to the first object.
      2. Uploading a 1 GiB file: Send-VaultFile vs an Invoke-WebRequest part loop vs a C# loop that sends
         the same parts without hashing (the floor); plus MD5 + disk read alone, and the peak working set
         of a child pwsh during Send-VaultFile.
      3. 64 files of 8 MiB: Send-VaultFile -ThrottleLimit 1 vs 4.
      4. Import-Module VaultStaging in a cold pwsh -NoProfile, over a bare start.
    Targets are reported as met / MISSED; a missed target never fails the run. A case that crashes does
    (the script throws, so `pwsh -File` exits 1).

    Needs the staged module (./build.ps1 Build: out/VaultStaging) and the emulator (built by the same task).
    The floor (tests/bench/BenchFloor) is built here with dotnet build.

.PARAMETER Smoke
    Tiny sizes and one round: checks that every case still runs (under 30 s). Its figures mean nothing.

.PARAMETER OutFile
    Also write the markdown table to this file.

.EXAMPLE
    dotnet pwsh -NoProfile -File tests/bench/Invoke-Benchmark.ps1 -OutFile out/bench.md
.EXAMPLE
    dotnet pwsh -NoProfile -File tests/bench/Invoke-Benchmark.ps1 -Smoke
#>
[CmdletBinding()]
param(
    [switch] $Smoke,
    [string] $OutFile
)

Set-StrictMode -Version 3.0
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'   # for every contender alike: no progress rendering is timed

$RepoRoot = [IO.Path]::GetFullPath((Join-Path $PSScriptRoot '../..'))
Import-Module (Join-Path $RepoRoot 'tests/pester/TestEmulator.psm1') -Force

$MiB = 1MB
$Config = if ($Smoke) {
    @{ ListSessions = 50; ListCalls = 5; FirstCalls = 3; ListRounds = 1
       BigSize = 12 * $MiB; BigRounds = 1
       ManyCount = 4; ManySize = 1 * $MiB; ManyRounds = 1
       ImportRuns = 2 }
} else {
    @{ ListSessions = 50; ListCalls = 200; FirstCalls = 20; ListRounds = 5
       BigSize = 1024 * $MiB; BigRounds = 3
       ManyCount = 64; ManySize = 8 * $MiB; ManyRounds = 3
       ImportRuns = 15 }
}
$ApiVersion = 'v26.1'
$PartSize = 5 * $MiB   # what Send-VaultFile picks for these sizes (PartPlanner: the smallest that fits, at least 5 MiB)

# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------

function Write-Step([string] $Text) { Write-Host "==> $Text" -ForegroundColor Cyan }

function Get-Median([double[]] $Values) {
    $sorted = [double[]]($Values | Sort-Object)
    $n = $sorted.Count
    if ($n -eq 0) { return [double]::NaN }
    if ($n % 2) { return $sorted[($n - 1) / 2] }
    ($sorted[$n / 2 - 1] + $sorted[$n / 2]) / 2
}

# "median (min–max)" of milliseconds, or just the median for one round.
function Format-Ms([double[]] $Values) {
    $median = Get-Median $Values
    $text = '{0:N0} ms' -f $median
    if ($median -lt 100) { $text = '{0:N1} ms' -f $median }
    if ($Values.Count -gt 1) {
        $min = ($Values | Measure-Object -Minimum).Minimum
        $max = ($Values | Measure-Object -Maximum).Maximum
        $text += if ($median -lt 100) { ' ({0:N1}–{1:N1})' -f $min, $max } else { ' ({0:N0}–{1:N0})' -f $min, $max }
    }
    $text
}

function Format-Rate([long] $Bytes, [double] $Ms) { '{0:N0} MiB/s' -f ($Bytes / $MiB / ($Ms / 1000)) }

# Runs the C# floor (BenchFloor) and returns its JSON answer; a non-zero exit is a crash.
function Invoke-Floor([string[]] $Arguments) {
    $out = & dotnet $script:FloorDll @Arguments
    if ($LASTEXITCODE -ne 0) { throw "BenchFloor $($Arguments[0]) failed with exit code $LASTEXITCODE." }
    ($out | Select-Object -Last 1) | ConvertFrom-Json
}

# The pwsh executable itself (no `dotnet` host in front of it): this process if it is one, else the
# apphost next to System.Management.Automation.dll (the dotnet tool's package), else dotnet pwsh.dll.
function Get-PwshCommand {
    $self = [Environment]::ProcessPath
    if ($self -and [IO.Path]::GetFileNameWithoutExtension($self) -eq 'pwsh') { return , @($self) }
    $dir = Split-Path ([psobject].Assembly.Location)
    foreach ($name in 'pwsh', 'pwsh.exe') {
        $candidate = Join-Path $dir $name
        if (Test-Path $candidate -PathType Leaf) { return , @($candidate) }
    }
    , @('dotnet', (Join-Path $dir 'pwsh.dll'))
}

function Invoke-Pwsh([string[]] $Arguments) {
    $exe = $script:Pwsh[0]
    $rest = @($script:Pwsh | Select-Object -Skip 1) + $Arguments
    $out = & $exe @rest
    if ($LASTEXITCODE -ne 0) { throw "pwsh $($Arguments -join ' ') failed with exit code $LASTEXITCODE." }
    $out
}

# CPU seconds used so far by a process (this one, or the emulator).
function Get-CpuSeconds([Diagnostics.Process] $Process) {
    $Process.Refresh()
    $Process.TotalProcessorTime.TotalSeconds
}

# Back to a clean emulator: staged files deleted, sessions of the earlier run gone, burst window reset.
# The burst limit is raised so that no contender is paced or delayed by the emulator's 2000-call window.
function Reset-Bench {
    Reset-TestEmulator
    $null = Invoke-EmulatorControl -Method Post -Path options -Body @{ burstLimit = 100000000 }
    if (Get-Command sync -CommandType Application -ErrorAction SilentlyContinue) { & sync }   # no write-back of the last run during the next
}

# A fresh Vault session: the module's connection and a raw session id for the scripts and the floor.
function Connect-Bench {
    $null = Connect-Vault -Vault $script:Emu.BaseUrl -Credential $script:Emu.Users.jane.Credential
    $script:Sid = New-TestVaultSession -User jane
}

function New-DataFile([string] $Path, [long] $Size) {
    $block = [byte[]]::new([Math]::Min($Size, 8 * $MiB))
    [Random]::new(20240501).NextBytes($block)
    $stream = [IO.File]::Create($Path)
    try {
        for ($done = 0L; $done -lt $Size; $done += $block.Length) {
            $block[0] = [byte]($done / $block.Length)   # no two blocks alike
            $stream.Write($block, 0, [int][Math]::Min($block.Length, $Size - $done))
        }
    } finally { $stream.Dispose() }
}

$Rows = [Collections.Generic.List[object]]::new()
function Add-Row([string] $Case, [string] $What, [string] $Figure, [string] $Target = '', [object] $Met = $null) {
    $result = if ($null -eq $Met) { '' } elseif ($Met) { 'met' } else { '**MISSED**' }
    $Rows.Add([pscustomobject]@{ Case = $Case; What = $What; Figure = $Figure; Target = $Target; Result = $result })
}

# ---------------------------------------------------------------------------------------------
# Set-up
# ---------------------------------------------------------------------------------------------

$totalWatch = [Diagnostics.Stopwatch]::StartNew()
$ModulePath = Get-TestModulePath
if (-not (Test-Path (Join-Path $ModulePath 'VaultStaging.psd1'))) { throw "The module is not staged at ${ModulePath}: run ./build.ps1 Build." }
$null = Get-TestEmulatorPath   # throws when the emulator is not built

Write-Step 'Building the floor (tests/bench/BenchFloor)'
$floorProject = Join-Path $PSScriptRoot 'BenchFloor/BenchFloor.csproj'
& dotnet build $floorProject -c Release --nologo -v quiet | Out-Host
if ($LASTEXITCODE -ne 0) { throw "dotnet build $floorProject failed (exit code $LASTEXITCODE)." }
$FloorDll = Join-Path $PSScriptRoot 'BenchFloor/bin/Release/net10.0/BenchFloor.dll'
$Pwsh = Get-PwshCommand

$Work = Join-Path ([IO.Path]::GetTempPath()) "vaultstaging-bench-$PID"
$StagingRoot = Join-Path $Work 'staging'
$null = New-Item -ItemType Directory -Path $StagingRoot -Force
# A private copy of the staged module: a rebuild of out/ during the run cannot pull it from under us.
$snapshot = Join-Path $Work 'module/VaultStaging'
$null = New-Item -ItemType Directory -Path $snapshot -Force
Copy-Item (Join-Path $ModulePath '*') -Destination $snapshot -Recurse
$ModulePath = $snapshot
$Emu = $null
try {
    Import-Module $ModulePath -Force
    $Emu = Start-TestEmulator -ArgumentList '--staging-root', $StagingRoot
    $EmuProcess = $Emu.Process
    $Me = [Diagnostics.Process]::GetCurrentProcess()
    $UploadUri = "$($Emu.BaseUrl)/api/$ApiVersion/services/file_staging/upload"
    $janeId = $Emu.Users.jane.UserId

    # -----------------------------------------------------------------------------------------
    # 1. Listing
    # -----------------------------------------------------------------------------------------
    Write-Step "1. Listing $($Config.ListSessions) upload sessions $($Config.ListCalls) times, $($Config.ListRounds) round(s)"
    Reset-Bench
    $existing = @((Invoke-EmulatorControl -Path state).sessions).Count
    for ($i = $existing; $i -lt $Config.ListSessions; $i++) {
        $null = Invoke-EmulatorControl -Method Post -Path sessions -Body @{
            owner = $janeId; path = "/u$janeId/bench/list/file-$i.bin"; size = (20 + $i) * $MiB
            uploaded = 5 * $MiB; uploadedParts = 1
        }
    }
    Connect-Bench
    $listCount = $Config.ListSessions
    $listCalls = $Config.ListCalls
    $firstCalls = $Config.FirstCalls

    $listModule = {
        $watch = [Diagnostics.Stopwatch]::StartNew()
        for ($i = 0; $i -lt $listCalls; $i++) {
            $list = Get-VaultUploadSession
            if ($list.Count -ne $listCount) { throw "Get-VaultUploadSession returned $($list.Count) sessions, not $listCount." }
        }
        $watch.Elapsed.TotalMilliseconds
    }
    $firstModule = {
        $times = foreach ($i in 1..$firstCalls) {
            $watch = [Diagnostics.Stopwatch]::StartNew()
            $first = $null
            Get-VaultUploadSession | ForEach-Object { if ($null -eq $first) { $first = $watch.Elapsed.TotalMilliseconds } }
            $first
        }
        Get-Median $times
    }
    # What a user script does: Invoke-RestMethod, then typed objects with the same properties (inline in
    # the loop below; this copy is for the time to the first object).
    $toObject = {
        param($s)
        [pscustomobject]@{
            Id               = $s.id
            Path             = $s.path
            Name             = $s.name
            Owner            = [long]$s.owner
            Size             = [long]$s.size
            Uploaded         = [long]$s.uploaded
            UploadedParts    = [int]$s.uploaded_parts
            CreatedDate      = [datetime]$s.created_date
            LastUploadedDate = [datetime]$s.last_uploaded_date
            ExpirationDate   = [datetime]$s.expiration_date
            Overwrite        = [bool]$s.overwrite
        }
    }
    $listScript = {
        $headers = @{ Authorization = $Sid; Accept = 'application/json' }
        $watch = [Diagnostics.Stopwatch]::StartNew()
        for ($i = 0; $i -lt $listCalls; $i++) {
            $answer = Invoke-RestMethod -Uri $UploadUri -Headers $headers
            if ($answer.responseStatus -ne 'SUCCESS') { throw "List failed: $($answer | ConvertTo-Json -Compress)" }
            $list = foreach ($s in $answer.data) {
                [pscustomobject]@{
                    Id               = $s.id
                    Path             = $s.path
                    Name             = $s.name
                    Owner            = [long]$s.owner
                    Size             = [long]$s.size
                    Uploaded         = [long]$s.uploaded
                    UploadedParts    = [int]$s.uploaded_parts
                    CreatedDate      = [datetime]$s.created_date
                    LastUploadedDate = [datetime]$s.last_uploaded_date
                    ExpirationDate   = [datetime]$s.expiration_date
                    Overwrite        = [bool]$s.overwrite
                }
            }
            if ($list.Count -ne $listCount) { throw "The Invoke-RestMethod loop built $($list.Count) sessions, not $listCount." }
        }
        $watch.Elapsed.TotalMilliseconds
    }
    $firstScript = {
        $headers = @{ Authorization = $Sid; Accept = 'application/json' }
        $times = foreach ($i in 1..$firstCalls) {
            $watch = [Diagnostics.Stopwatch]::StartNew()
            $answer = Invoke-RestMethod -Uri $UploadUri -Headers $headers
            $null = & $toObject $answer.data[0]
            $watch.Elapsed.TotalMilliseconds
        }
        Get-Median $times
    }

    # Warm-up (JIT, connections), then rounds in rotating order.
    $null = & $listModule; $null = & $listScript; $null = & $firstModule; $null = & $firstScript
    $listResults = @{ module = @(); script = @(); floor = @(); firstModule = @(); firstScript = @(); firstFloor = @() }
    for ($round = 0; $round -lt $Config.ListRounds; $round++) {
        $order = @('module', 'script', 'floor')
        $order = @($order[($round % 3)..2]) + @(if ($round % 3) { $order[0..(($round % 3) - 1)] })
        foreach ($who in $order) {
            switch ($who) {
                'module' { $listResults.module += & $listModule; $listResults.firstModule += & $firstModule }
                'script' { $listResults.script += & $listScript; $listResults.firstScript += & $firstScript }
                'floor' {
                    $f = Invoke-Floor 'list', $Emu.BaseUrl, $Sid, $listCalls, 10
                    if ($f.objects -ne $listCalls * $listCount) { throw "BenchFloor listed $($f.objects) sessions, not $($listCalls * $listCount)." }
                    $listResults.floor += $f.totalMs
                    $listResults.firstFloor += $f.firstObjectMs
                }
            }
        }
    }
    $m = Get-Median $listResults.module; $s = Get-Median $listResults.script; $f = Get-Median $listResults.floor
    $case = "1. List $listCount × $listCalls"
    Add-Row $case 'Get-VaultUploadSession' ("{0}; {1:N2} ms/call" -f (Format-Ms $listResults.module), ($m / $listCalls))
    Add-Row $case 'Invoke-RestMethod loop → [pscustomobject]' ("{0}; {1:N2} ms/call" -f (Format-Ms $listResults.script), ($s / $listCalls))
    Add-Row $case 'C# HttpClient + System.Text.Json (floor)' ("{0}; {1:N2} ms/call" -f (Format-Ms $listResults.floor), ($f / $listCalls))
    Add-Row $case 'module ÷ Invoke-RestMethod loop' ('{0:N2} ×' -f ($m / $s)) '≤ 0.5 ×' (($m / $s) -le 0.5)
    Add-Row $case 'module ÷ floor' ('{0:N2} ×' -f ($m / $f)) '≤ 1.5 ×' (($m / $f) -le 1.5)
    Add-Row $case 'time to first object: module / script / floor' ('{0:N2} / {1:N2} / {2:N2} ms' -f (Get-Median $listResults.firstModule), (Get-Median $listResults.firstScript), (Get-Median $listResults.firstFloor))

    # -----------------------------------------------------------------------------------------
    # 2. One big file
    # -----------------------------------------------------------------------------------------
    $bigSize = [long]$Config.BigSize
    Write-Step ("2. Uploading one file of {0:N0} MiB, {1} round(s)" -f ($bigSize / $MiB), $Config.BigRounds)
    $bigFile = Join-Path $Work 'big.bin'
    New-DataFile $bigFile $bigSize
    $null = Invoke-Floor 'read', $bigFile, $PartSize   # into the page cache, for every contender alike

    $uploadModule = {
        param($Destination)
        $result = Send-VaultFile -Path $bigFile -Destination $Destination -PassThru
        if ($result.Status -ne 'CommitAccepted') { throw "Send-VaultFile ended with $($result.Status)." }
    }
    # The usual script: create, PUT each part read into a byte[] with Invoke-WebRequest, commit.
    $uploadScript = {
        param($Destination)
        $headers = @{ Authorization = $Sid; Accept = 'application/json' }
        $created = Invoke-RestMethod -Method Post -Uri $UploadUri -Headers $headers -Body @{ path = $Destination; size = $bigSize; overwrite = 'true' }
        if ($created.responseStatus -ne 'SUCCESS') { throw "Create failed: $($created | ConvertTo-Json -Compress)" }
        $id = $created.data.id
        $stream = [IO.File]::OpenRead($bigFile)
        try {
            $part = 0
            for ($offset = 0L; $offset -lt $bigSize; $offset += $PartSize) {
                $length = [int][Math]::Min($PartSize, $bigSize - $offset)
                $bytes = [byte[]]::new($length)
                $read = 0
                while ($read -lt $length) {
                    $n = $stream.Read($bytes, $read, $length - $read)
                    if ($n -le 0) { throw 'The file ended early.' }
                    $read += $n
                }
                $part++
                $partHeaders = @{ Authorization = $Sid; Accept = 'application/json'; 'X-VaultAPI-FilePartNumber' = "$part" }
                $answer = (Invoke-WebRequest -Method Put -Uri "$UploadUri/$id" -Headers $partHeaders -ContentType 'application/octet-stream' -Body $bytes).Content | ConvertFrom-Json
                if ($answer.responseStatus -ne 'SUCCESS') { throw "Part $part failed: $($answer | ConvertTo-Json -Compress)" }
            }
        } finally { $stream.Dispose() }
        $commit = Invoke-RestMethod -Method Post -Uri "$UploadUri/$id" -Headers $headers
        if ($commit.responseStatus -ne 'SUCCESS') { throw "Commit failed: $($commit | ConvertTo-Json -Compress)" }
    }

    $bigResults = @{ module = @(); script = @(); floor = @(); floorCommit = @(); moduleCpu = @(); moduleEmuCpu = @(); scriptCpu = @(); floorEmuCpu = @() }
    for ($round = 0; $round -lt $Config.BigRounds; $round++) {
        $order = @('module', 'script', 'floor')
        $order = @($order[($round % 3)..2]) + @(if ($round % 3) { $order[0..(($round % 3) - 1)] })
        foreach ($who in $order) {
            Reset-Bench
            Connect-Bench
            $destination = "/bench/$who-$round.bin"
            $cpu0 = Get-CpuSeconds $Me; $emu0 = Get-CpuSeconds $EmuProcess
            $watch = [Diagnostics.Stopwatch]::StartNew()
            switch ($who) {
                'module' { & $uploadModule $destination }
                'script' { & $uploadScript $destination }
                'floor' {
                    $answer = Invoke-Floor 'upload', $Emu.BaseUrl, $Sid, $bigFile, $PartSize, $destination
                    $bigResults.floorCommit += $answer.commitMs
                }
            }
            $ms = $watch.Elapsed.TotalMilliseconds
            $cpu = (Get-CpuSeconds $Me) - $cpu0; $emuCpu = (Get-CpuSeconds $EmuProcess) - $emu0
            switch ($who) {
                'module' { $bigResults.module += $ms; $bigResults.moduleCpu += $cpu; $bigResults.moduleEmuCpu += $emuCpu }
                'script' { $bigResults.script += $ms; $bigResults.scriptCpu += $cpu }
                # The floor's own process start (~0.1 s) is not counted: its Stopwatch is.
                'floor' { $bigResults.floor += $answer.totalMs; $bigResults.floorEmuCpu += $emuCpu }
            }
            $staged = Invoke-EmulatorControl -Path "staged?path=$([uri]::EscapeDataString("/u$janeId$destination"))"
            if (-not $staged.exists -or $staged.size -ne $bigSize) { throw "$who did not stage $destination ($($staged | ConvertTo-Json -Compress))." }
        }
    }
    $md5 = @(); $read = @()
    for ($round = 0; $round -lt [Math]::Max(1, $Config.BigRounds); $round++) {
        $md5 += (Invoke-Floor 'md5', $bigFile, $PartSize).totalMs
        $read += (Invoke-Floor 'read', $bigFile, $PartSize).totalMs
    }

    Write-Step 'Peak working set of Send-VaultFile in a child pwsh'
    Reset-Bench
    $childArgs = @('-NoProfile', '-NonInteractive', '-File', (Join-Path $PSScriptRoot 'SendChild.ps1'),
        '-ModulePath', $ModulePath, '-BaseUrl', $Emu.BaseUrl, '-UserName', $Emu.Users.jane.UserName,
        '-Password', $Emu.Users.jane.Password, '-Path', $bigFile, '-Destination', '/bench/child.bin')
    $child = (Invoke-Pwsh $childArgs | Select-Object -Last 1) | ConvertFrom-Json
    if ($child.status -ne 'CommitAccepted') { throw "Send-VaultFile in the child pwsh ended with $($child.status)." }

    $m = Get-Median $bigResults.module; $s = Get-Median $bigResults.script; $f = Get-Median $bigResults.floor
    $case = '2. Upload {0:N0} MiB' -f ($bigSize / $MiB)
    Add-Row $case 'Send-VaultFile' ('{0}; {1}; CPU: pwsh {2:N1} s, emulator {3:N1} s' -f (Format-Ms $bigResults.module), (Format-Rate $bigSize $m), (Get-Median $bigResults.moduleCpu), (Get-Median $bigResults.moduleEmuCpu))
    Add-Row $case 'Invoke-WebRequest part loop' ('{0}; {1}; CPU: pwsh {2:N1} s' -f (Format-Ms $bigResults.script), (Format-Rate $bigSize $s), (Get-Median $bigResults.scriptCpu))
    Add-Row $case 'C# loop, same parts, no MD5 (floor)' ('{0}; {1}; of which commit {2}; CPU: emulator {3:N1} s' -f (Format-Ms $bigResults.floor), (Format-Rate $bigSize $f), (Format-Ms $bigResults.floorCommit), (Get-Median $bigResults.floorEmuCpu))
    Add-Row $case 'MD5 + read alone / read alone (page cache)' ('{0} / {1}' -f (Format-Rate $bigSize (Get-Median $md5)), (Format-Rate $bigSize (Get-Median $read)))
    Add-Row $case 'module throughput ÷ floor' ('{0:P0}' -f ($f / $m)) '≥ 80 %' (($f / $m) -ge 0.8)
    Add-Row $case 'module ÷ Invoke-WebRequest loop (speed-up)' ('{0:N2} ×' -f ($s / $m)) '≥ 3 ×' (($s / $m) -ge 3)
    $allowance = 3 * $PartSize + 100MB
    $growth = $child.peakBytes - $child.baselineBytes
    $since = if ($child.peakIsSinceStart) { ' (peak since start)' } else { '' }
    Add-Row $case 'peak working set of pwsh during Send-VaultFile' ('{0:N0} MiB{1}; before it {2:N0} MiB (pwsh + module + connection)' -f ($child.peakBytes / $MiB), $since, ($child.baselineBytes / $MiB))
    Add-Row $case 'peak working set growth during Send-VaultFile' ('{0:N0} MiB' -f ($growth / $MiB)) ('≤ 3 parts + 100 MB = {0:N0} MiB' -f ($allowance / $MiB)) ($growth -le $allowance)

    # -----------------------------------------------------------------------------------------
    # 3. Many files
    # -----------------------------------------------------------------------------------------
    $manyCount = $Config.ManyCount; $manySize = [long]$Config.ManySize
    Write-Step ("3. {0} files of {1:N0} MiB, -ThrottleLimit 1 vs 4, {2} round(s)" -f $manyCount, ($manySize / $MiB), $Config.ManyRounds)
    $manyDir = Join-Path $Work 'many'
    $null = New-Item -ItemType Directory -Path $manyDir -Force
    for ($i = 0; $i -lt $manyCount; $i++) { New-DataFile (Join-Path $manyDir ('file-{0:D2}.bin' -f $i)) $manySize }
    $null = Get-ChildItem $manyDir -File | ForEach-Object { Invoke-Floor 'read', $_.FullName, $PartSize }
    $manyResults = @{ 1 = @(); 4 = @(); cpu1 = @(); cpu4 = @(); emu1 = @(); emu4 = @() }
    for ($round = 0; $round -lt $Config.ManyRounds; $round++) {
        foreach ($limit in @(if ($round % 2) { 4, 1 } else { 1, 4 })) {
            Reset-Bench
            Connect-Bench
            $cpu0 = Get-CpuSeconds $Me; $emu0 = Get-CpuSeconds $EmuProcess
            $watch = [Diagnostics.Stopwatch]::StartNew()
            $results = @(Send-VaultFile -Path (Join-Path $manyDir '*') -Destination "/bench/many-$limit-$round/" -ThrottleLimit $limit -PassThru)
            $manyResults[$limit] += $watch.Elapsed.TotalMilliseconds
            $manyResults["cpu$limit"] += (Get-CpuSeconds $Me) - $cpu0
            $manyResults["emu$limit"] += (Get-CpuSeconds $EmuProcess) - $emu0
            $committed = @($results | Where-Object Status -EQ 'CommitAccepted').Count
            if ($committed -ne $manyCount) { throw "-ThrottleLimit $limit committed $committed of $manyCount files." }
        }
    }
    $one = Get-Median $manyResults[1]; $four = Get-Median $manyResults[4]
    $case = '3. {0} × {1:N0} MiB' -f $manyCount, ($manySize / $MiB)
    foreach ($limit in 1, 4) {
        $ms = Get-Median $manyResults[$limit]
        $cores = ((Get-Median $manyResults["cpu$limit"]) + (Get-Median $manyResults["emu$limit"])) / ($ms / 1000)
        Add-Row $case "Send-VaultFile -ThrottleLimit $limit" ('{0}; {1}; CPU: pwsh {2:N1} s + emulator {3:N1} s = {4:N2} of {5} cores busy' -f (Format-Ms $manyResults[$limit]), (Format-Rate ($manyCount * $manySize) $ms), (Get-Median $manyResults["cpu$limit"]), (Get-Median $manyResults["emu$limit"]), $cores, [Environment]::ProcessorCount)
    }
    Add-Row $case 'speed-up of -ThrottleLimit 4' ('{0:N2} ×' -f ($one / $four)) '≥ 2.5 ×' (($one / $four) -ge 2.5)

    # -----------------------------------------------------------------------------------------
    # 4. Import-Module in a cold pwsh
    # -----------------------------------------------------------------------------------------
    Write-Step "4. Import-Module in a cold pwsh -NoProfile ($($Pwsh -join ' ')), $($Config.ImportRuns) pair(s)"
    $manifest = Join-Path $ModulePath 'VaultStaging.psd1'
    $bare = @('-NoProfile', '-NonInteractive', '-Command', 'exit 0')
    $import = @('-NoProfile', '-NonInteractive', '-Command', "Import-Module '$manifest'; exit 0")
    $null = Invoke-Pwsh $bare; $null = Invoke-Pwsh $import   # warm-up: files in the page cache
    $bareMs = @(); $importMs = @()
    for ($i = 0; $i -lt $Config.ImportRuns; $i++) {
        foreach ($which in @(if ($i % 2) { 'import', 'bare' } else { 'bare', 'import' })) {
            $watch = [Diagnostics.Stopwatch]::StartNew()
            $null = Invoke-Pwsh $(if ($which -eq 'bare') { $bare } else { $import })
            if ($which -eq 'bare') { $bareMs += $watch.Elapsed.TotalMilliseconds } else { $importMs += $watch.Elapsed.TotalMilliseconds }
        }
    }
    $inProcess = @(foreach ($i in 1..[Math]::Min(5, $Config.ImportRuns)) {
        [double](Invoke-Pwsh @('-NoProfile', '-NonInteractive', '-Command', "`$w = [Diagnostics.Stopwatch]::StartNew(); Import-Module '$manifest'; `$w.Elapsed.TotalMilliseconds") | Select-Object -Last 1)
    })
    # PowerShell's first Import-Module of any module pays for its own module machinery (JIT of the module
    # code paths): import a built-in module first, then time VaultStaging alone.
    $ownShare = @(foreach ($i in 1..[Math]::Min(5, $Config.ImportRuns)) {
        $line = Invoke-Pwsh @('-NoProfile', '-NonInteractive', '-Command', "`$w = [Diagnostics.Stopwatch]::StartNew(); Import-Module Microsoft.PowerShell.Security; `$a = `$w.Elapsed.TotalMilliseconds; `$w.Restart(); Import-Module '$manifest'; '{0};{1}' -f `$a, `$w.Elapsed.TotalMilliseconds") | Select-Object -Last 1
        , [double[]]($line -split ';')
    })
    $added = (Get-Median $importMs) - (Get-Median $bareMs)
    $case = '4. Import-Module (cold pwsh)'
    Add-Row $case 'bare pwsh -NoProfile start / with Import-Module' ('{0} / {1}' -f (Format-Ms $bareMs), (Format-Ms $importMs))
    Add-Row $case 'added time (difference of medians)' ('{0:N0} ms' -f $added) '≤ 100 ms' ($added -le 100)
    Add-Row $case 'Import-Module timed inside the process' (Format-Ms $inProcess)
    Add-Row $case 'inside: a built-in module first (PowerShell''s own first-import cost), then VaultStaging' ('{0} / {1}' -f (Format-Ms ($ownShare | ForEach-Object { $_[0] })), (Format-Ms ($ownShare | ForEach-Object { $_[1] })))
}
finally {
    if ($Emu) { Stop-TestEmulator $Emu }
    Remove-Item $Work -Recurse -Force -ErrorAction SilentlyContinue
}

# ---------------------------------------------------------------------------------------------
# The table
# ---------------------------------------------------------------------------------------------

$os = [Runtime.InteropServices.RuntimeInformation]::OSDescription
$lines = [Collections.Generic.List[string]]::new()
$lines.Add(('VaultStaging benchmark{0}: {1:yyyy-MM-dd HH:mm}, {2} cores, {3}, PowerShell {4}, .NET {5}; figures are medians (min–max) of the rounds; total {6:N0} s.' -f
    $(if ($Smoke) { ' (SMOKE: tiny sizes, figures mean nothing)' } else { '' }), (Get-Date), [Environment]::ProcessorCount, $os,
    $PSVersionTable.PSVersion, [Environment]::Version, $totalWatch.Elapsed.TotalSeconds))
$lines.Add('')
$lines.Add('| Case | What | Figure | Target | Result |')
$lines.Add('|---|---|---|---|---|')
foreach ($r in $Rows) { $lines.Add("| $($r.Case) | $($r.What) | $($r.Figure) | $($r.Target) | $($r.Result) |") }
$lines | Out-Host
if ($OutFile) {
    $dir = Split-Path -Parent ([IO.Path]::GetFullPath($OutFile))
    if ($dir) { $null = New-Item -ItemType Directory -Path $dir -Force }
    $lines | Set-Content -Path $OutFile -Encoding utf8
    Write-Host "Table written to $OutFile"
}
