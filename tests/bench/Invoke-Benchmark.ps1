#Requires -Version 7.0
<#
.SYNOPSIS
    VaultStaging's benchmark (issues 5 and 14): the module against what users would write instead, on the
    Vault emulator over a simulated network (40 ms, 100 Mbit/s per connection) and over loopback. Prints one
    markdown table with a column for each.

.DESCRIPTION
    Each row runs its contenders side by side in one run (alternating order, several rounds, medians) and
    prints the ratios and whether the target is met or MISSED:
      1. 200 files of 100 KB up: Send-VaultFile vs an Invoke-RestMethod -Form loop (also with -WebSession)
         vs Send-VaultFile -UploadMethod UploadSession (the old way). Target >= 8 x the loop.
      2. A 256 MiB download: Receive-VaultFile vs Invoke-WebRequest -OutFile (one GET) vs one ranged GET at a
         time; the peak working set growth of Receive-VaultFile in a child pwsh. Target >= 3 x, <= the reorder window + 100 MB.
      3. A 128 MiB upload: Send-VaultFile vs an Invoke-WebRequest part loop. Target >= 90 % of the link's rate
         and ahead of the loop.
      4. A recursive listing of 20,000 items (pages of 1,000): Get-VaultStagingItem -Recurse and (when the
         module has its provider) Get-ChildItem Vault:/ -Recurse vs an Invoke-RestMethod loop following
         next_page. Target <= 0.5 x the loop; first item before the second page is asked for; memory flat for
         100,000 items (child pwsh, loopback).
      5. Sync of 2,000 files with 10 changed vs one recursive listing plus sending the 10. Target <= 1.5 x.
      6. (loopback) Send-VaultFile -Wait for 20 files of 60 MB with commit jobs of 5 s vs the same without
         -Wait. Target <= + 20 s.
      7. (loopback) The rows of issue 5: listing 50 upload sessions (vs Invoke-RestMethod and the C# floor),
         a 1 GiB upload (vs the C# floor), and the import cost of the module vs a built-in module in a cold pwsh.
      8. Ctrl+C: how long PowerShell's Stop() takes on Get-VaultStagingItem waiting on a slow listing, on
         Send-VaultFile with an upload part in flight, and on Send-VaultFile -Wait waiting for a job. Median
         and worst of the rounds; target < 1 s in every round.
    A missed target never fails the run; a row that crashes does (the script throws: `pwsh -File` exits 1).

    Needs the staged module (./build.ps1 Build: out/VaultStaging) and the emulator (built by the same task).
    The floor (tests/bench/BenchFloor) is built here with dotnet build.

.PARAMETER Smoke
    Tiny sizes and one round: checks that every row still runs (well under a minute). Its figures mean nothing.

.PARAMETER OutFile
    Also write the markdown table to this file.

.PARAMETER LatencyMs
    The network column's latency: added to every Vault call and to every new connection (default 40).

.PARAMETER BandwidthMbps
    The network column's bandwidth per connection and direction, in megabits per second (default 100).

.PARAMETER Row
    Only these rows (1-8), e.g. -Row 3, 4 while working on them.

.PARAMETER Column
    Only these columns: Network, Loopback (default both).

.EXAMPLE
    dotnet pwsh -NoProfile -File tests/bench/Invoke-Benchmark.ps1 -OutFile out/bench.md
.EXAMPLE
    dotnet pwsh -NoProfile -File tests/bench/Invoke-Benchmark.ps1 -Smoke
.EXAMPLE
    dotnet pwsh -NoProfile -File tests/bench/Invoke-Benchmark.ps1 -Row 3 -Column Network -LatencyMs 80 -BandwidthMbps 50
#>
[CmdletBinding()]
param(
    [switch] $Smoke,
    [string] $OutFile,
    [ValidateRange(0, 10000)] [int] $LatencyMs = 40,
    [ValidateRange(0.1, 100000)] [double] $BandwidthMbps = 100,
    [string[]] $Row = @('1', '2', '3', '4', '5', '6', '7', '8'),
    [string[]] $Column = @('Network', 'Loopback')
)

Set-StrictMode -Version 3.0
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'   # for every contender alike: no progress rendering is timed

# -Row 3,4 and -Column Network,Loopback also work through `pwsh -File`, where a list arrives as one string.
$Row = @($Row -split ',' | ForEach-Object { [int]$_.Trim() })
$Column = @($Column -split ',' | ForEach-Object { $_.Trim() })
if (@($Row | Where-Object { $_ -lt 1 -or $_ -gt 8 }).Count) { throw "-Row takes rows 1 to 8, not $($Row -join ', ')." }
if (@($Column | Where-Object { $_ -notin 'Network', 'Loopback' }).Count) { throw "-Column takes Network and/or Loopback, not $($Column -join ', ')." }

$RepoRoot = [IO.Path]::GetFullPath((Join-Path $PSScriptRoot '../..'))
Import-Module (Join-Path $RepoRoot 'tests/pester/TestEmulator.psm1') -Force

$MiB = 1MB
$Config = if ($Smoke) {
    @{ R1Files = 6; R1Size = 100000; R1Rounds = 1
       R2Size = 3 * $MiB; R2Range = 1 * $MiB; R2Rounds = 1
       R3Size = 11 * $MiB; R3Rounds = 1
       R4Folders = 2; R4Files = 1249; R4BigFolders = 4; R4BigFiles = 1249; R4Rounds = 1
       R5Folders = 2; R5Files = 25; R5Changed = 2; R5Rounds = 1
       R6Files = 2; R6Size = 6000000; R6JobMs = 0; R6Rounds = 1
       ListSessions = 50; ListCalls = 5; FirstCalls = 3; ListRounds = 1
       BigSize = 12 * $MiB; BigRounds = 1
       ImportRuns = 1; StopRounds = 1 }
} else {
    @{ R1Files = 200; R1Size = 100000; R1Rounds = 3
       R2Size = 256 * $MiB; R2Range = 16 * $MiB; R2Rounds = 3
       R3Size = 128 * $MiB; R3Rounds = 3
       R4Folders = 20; R4Files = 999; R4BigFolders = 100; R4BigFiles = 999; R4Rounds = 3
       R5Folders = 20; R5Files = 100; R5Changed = 10; R5Rounds = 3
       R6Files = 20; R6Size = 60000000; R6JobMs = 5000; R6Rounds = 2
       ListSessions = 50; ListCalls = 200; FirstCalls = 20; ListRounds = 5
       BigSize = 1024 * $MiB; BigRounds = 3
       ImportRuns = 12; StopRounds = 5 }
}
$ApiVersion = 'v26.1'
$LinkBytesPerSecond = $BandwidthMbps * 1e6 / 8

# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------

function Write-Step([string] $Text) { Write-Host ("==> [{0,5:N1} s] {1}" -f $script:totalWatch.Elapsed.TotalSeconds, $Text) -ForegroundColor Cyan }

function Get-Median([double[]] $Values) {
    $sorted = [double[]]($Values | Sort-Object)
    $n = $sorted.Count
    if ($n -eq 0) { return [double]::NaN }
    if ($n % 2) { return $sorted[($n - 1) / 2] }
    ($sorted[$n / 2 - 1] + $sorted[$n / 2]) / 2
}

# A duration in ms as people read it: "87.5 ms", "1,234 ms", "21.4 s" (-Like: in the unit that one would get).
function Format-Duration([double] $Ms, [double] $Like = $Ms, [switch] $NoUnit) {
    $text = if ([Math]::Abs($Like) -lt 100) { '{0:N1} ms' -f $Ms } elseif ([Math]::Abs($Like) -lt 10000) { '{0:N0} ms' -f $Ms } else { '{0:N1} s' -f ($Ms / 1000) }
    if ($NoUnit) { $text -replace ' (ms|s)$' } else { $text }
}

# "median (min–max)" of milliseconds, or just the median for one round.
function Format-Ms([double[]] $Values) {
    $median = Get-Median $Values
    $text = Format-Duration $median
    if ($Values.Count -gt 1) {
        $min = ($Values | Measure-Object -Minimum).Minimum
        $max = ($Values | Measure-Object -Maximum).Maximum
        $text = '{0} ({1}–{2})' -f $text, (Format-Duration $min $median -NoUnit), (Format-Duration $max $median -NoUnit)
    }
    $text
}

function Format-Rate([long] $Bytes, [double] $Ms) { '{0:N1} MiB/s' -f ($Bytes / $MiB / ($Ms / 1000)) }
function Format-Mbits([long] $Bytes, [double] $Ms) { '{0:N0} Mbit/s' -f ($Bytes * 8 / 1e6 / ($Ms / 1000)) }
function Format-Ratio([double] $Value) { '{0:N2} ×' -f $Value }

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

# CPU seconds used so far by a process (this one, or an emulator).
function Get-CpuSeconds([Diagnostics.Process] $Process) {
    $Process.Refresh()
    $Process.TotalProcessorTime.TotalSeconds
}

# A property of a JSON object that may be missing (the emulator leaves out null fields).
function Get-Field($Object, [string] $Name) {
    $p = $Object.PSObject.Properties[$Name]
    if ($p) { $p.Value } else { $null }
}

function Invoke-Control($C, [string] $Path, [string] $Method = 'Get', $Body) {
    $request = @{ Method = $Method; Path = $Path; Emulator = $C.Emu }
    if ($null -ne $Body) { $request.Body = $Body }
    Invoke-EmulatorControl @request
}

# Back to a clean emulator: staged files deleted, sessions, jobs and the log of the earlier run gone, burst
# window reset. The burst limit is raised so that no contender is paced or delayed by the 2000-call window.
# The network profile (latency, bandwidth) is a start-up option: a reset keeps it.
function Reset-Bench($C) {
    Reset-TestEmulator -Emulator $C.Emu
    $null = Invoke-Control $C options Post @{ burstLimit = 100000000 }
    Sync-Disk
}

# No write-back of the last run's files during the next.
function Sync-Disk { if (Get-Command sync -CommandType Application -ErrorAction SilentlyContinue) { & sync } }

# A fresh Vault session, as a user who just connected: the module's connection (one connection open, the
# login's) and a raw session id for the scripts and the floor.
function Connect-Bench($C) {
    $null = Connect-Vault -Vault $C.Emu.BaseUrl -Credential $C.Emu.Users.jane.Credential
    $C.Sid = New-TestVaultSession -User jane -Emulator $C.Emu
}

function New-DataFile([string] $Path, [long] $Size, [int] $Seed = 20240501) {
    $null = New-Item -ItemType Directory -Path (Split-Path $Path) -Force
    $block = [byte[]]::new([Math]::Max(1, [Math]::Min($Size, 8 * $MiB)))
    [Random]::new($Seed).NextBytes($block)
    $stream = [IO.File]::Create($Path)
    try {
        for ($done = 0L; $done -lt $Size; $done += $block.Length) {
            $block[0] = [byte](($done / $block.Length) % 256)   # no two blocks alike
            $stream.Write($block, 0, [int][Math]::Min($block.Length, $Size - $done))
        }
    } finally { $stream.Dispose() }
}

# Runs each contender once per round, in an order that rotates every round. Returns name -> list of what
# $Run returned for it (a number of ms, or an object with Ms and more). With -Warmup, a round -1 first whose
# results are dropped: on loopback, where CPU is what is measured, the JIT of every contender's code paths
# (the module's, PowerShell's, the emulator's) is then done before the timed rounds, as the floor does.
function Invoke-Rounds([int] $Rounds, [string[]] $Contenders, [scriptblock] $Run, [switch] $Warmup) {
    # (Names here must not hide the script's variables the blocks use, such as $C: hence the underscores.)
    $_results = @{}
    foreach ($_name in $Contenders) { $_results[$_name] = [Collections.Generic.List[object]]::new() }
    if ($Warmup -and -not $script:Smoke) { foreach ($_who in $Contenders) { $null = & $Run $_who -1 } }
    for ($_round = 0; $_round -lt $Rounds; $_round++) {
        $_k = $_round % $Contenders.Count
        $_order = @($Contenders[$_k..($Contenders.Count - 1)]) + @(if ($_k) { $Contenders[0..($_k - 1)] })
        foreach ($_who in $_order) {
            $_answer = @(& $Run $_who $_round)
            if ($_answer.Count -ne 1) { throw "Contender $_who returned $($_answer.Count) values instead of one." }
            $_results[$_who].Add($_answer[0])
        }
    }
    $_results
}

function Get-Ms($List) { [double[]]@($List | ForEach-Object { if ($_ -is [double]) { $_ } else { $_.Ms } }) }
function Get-MedianOf($List, [string] $Name) { Get-Median ([double[]]@($List | ForEach-Object { $_.$Name })) }

# Runs a command of the module in a child pwsh and returns its peak working set growth (MemoryChild.ps1).
function Invoke-MemoryChild($C, [string] $Script, [string] $Warmup) {
    $childArgs = @('-NoProfile', '-NonInteractive', '-File', (Join-Path $PSScriptRoot 'MemoryChild.ps1'),
        '-ModulePath', $ModulePath, '-BaseUrl', $C.Emu.BaseUrl, '-UserName', $C.Emu.Users.jane.UserName,
        '-Password', $C.Emu.Users.jane.Password, '-Script', $Script)
    if ($Warmup) { $childArgs += @('-Warmup', $Warmup) }
    $child = (Invoke-Pwsh $childArgs | Select-Object -Last 1) | ConvertFrom-Json
    $child | Add-Member -NotePropertyName growthBytes -NotePropertyValue ($child.peakBytes - $child.baselineBytes)
    $child
}

function Format-Memory($Child) {
    $since = if ($Child.peakIsSinceStart) { ' (peak since start)' } else { '' }
    '+{0:N0} MiB (peak {1:N0} MiB{2}, before {3:N0} MiB; {4})' -f ($Child.growthBytes / $MiB), ($Child.peakBytes / $MiB), $since, ($Child.baselineBytes / $MiB), (Format-Duration $Child.ms)
}

# Row 8: a runspace of its own with the module imported and connected, where a [powershell] runs the command
# that Ctrl+C stops (PowerShell.Stop(), what the console calls on Ctrl+C).
function New-StopRunspace($C) {
    $runspace = [runspacefactory]::CreateRunspace()
    $runspace.Open()
    $ps = [powershell]::Create()
    try {
        $ps.Runspace = $runspace
        $null = $ps.AddCommand('Import-Module').AddParameter('Name', $ModulePath).AddStatement()
        $null = $ps.AddCommand('Connect-Vault').AddParameter('Vault', $C.Emu.BaseUrl).AddParameter('Credential', $C.Emu.Users.jane.Credential)
        $null = $ps.Invoke()
        if ($ps.HadErrors) { throw "Connect-Vault in the Ctrl+C runspace failed: $($ps.Streams.Error | Select-Object -First 1)" }
    } finally { $ps.Dispose() }
    $runspace
}

# Starts $Command in $Runspace, waits until $Ready says it is at the point to stop (then 100 ms more), and
# returns how long Stop() took in ms. A command that ends by itself, never gets there or does not stop is a crash.
function Measure-Stop($Runspace, [string] $Command, [hashtable] $Parameters, [scriptblock] $Ready, [string] $What) {
    $ps = [powershell]::Create()
    try {
        $ps.Runspace = $Runspace
        $null = $ps.AddCommand($Command).AddParameters($Parameters)
        $pending = $ps.BeginInvoke()
        $waiting = [Diagnostics.Stopwatch]::StartNew()
        while (-not (& $Ready)) {
            if ($pending.IsCompleted) { throw "$Command ended ($($ps.InvocationStateInfo.State)) before $What$(if ($ps.InvocationStateInfo.Reason) { ': ' + $ps.InvocationStateInfo.Reason.Message })." }
            if ($waiting.Elapsed.TotalSeconds -gt 15) { throw "$Command never got to $What." }
            Start-Sleep -Milliseconds 20
        }
        Start-Sleep -Milliseconds 100   # well inside the wait it stops
        $watch = [Diagnostics.Stopwatch]::StartNew()
        $ps.Stop()
        $ms = $watch.Elapsed.TotalMilliseconds
        if ($ps.InvocationStateInfo.State -ne 'Stopped') { throw "$Command was $($ps.InvocationStateInfo.State), not Stopped, after Stop() ($What)." }
        $ms
    } finally { $ps.Dispose() }
}

# The table: one line per (row, what), one cell per column. A cell with a target says met / **MISSED**.
$Table = [ordered]@{}
function Set-Cell([string] $Case, [string] $What, [string] $Col, [string] $Figure, [string] $Target = '', $Met = $null) {
    $key = "$Case`n$What"
    if (-not $Table.Contains($key)) { $Table[$key] = [pscustomobject]@{ Case = $Case; What = $What; Target = $Target; Cells = @{} } }
    if ($Target) { $Table[$key].Target = $Target }
    $text = $Figure
    if ($null -ne $Met) { $text += if ($Met) { ' — met' } else { ' — **MISSED**' } }
    $Table[$key].Cells[$Col] = $text
}

# ---------------------------------------------------------------------------------------------
# What a user would script instead
# ---------------------------------------------------------------------------------------------

function Assert-Success($Answer, [string] $What) {
    if ((Get-Field $Answer 'responseStatus') -ne 'SUCCESS') { throw "$What failed: $($Answer | ConvertTo-Json -Depth 5 -Compress)" }
}

# Row 1: one Invoke-RestMethod per file, multipart form (PowerShell 7's -Form), to POST .../items; the folder
# first (Vault makes no parents). With -Session, every call reuses one WebRequestSession (its connection).
function Send-ByRestMethod($C, [string] $Folder, [string] $Destination, $Session) {
    $items = "$($C.Api)/items"
    $headers = @{ Authorization = $C.Sid; Accept = 'application/json' }
    $extra = if ($Session) { @{ WebSession = $Session } } else { @{} }
    Assert-Success (Invoke-RestMethod -Method Post -Uri $items -Headers $headers -Form @{ kind = 'folder'; path = $Destination } @extra) "Create $Destination"
    foreach ($f in Get-ChildItem -LiteralPath $Folder -File) {
        $answer = Invoke-RestMethod -Method Post -Uri $items -Headers $headers -Form @{ kind = 'file'; path = "$Destination/$($f.Name)"; overwrite = 'true'; file = $f } @extra
        Assert-Success $answer "Upload $($f.Name)"
    }
}

# Row 2: one ranged GET at a time (Invoke-WebRequest with a Range header), each range appended to the file.
function Receive-ByRanges($C, [string] $RemotePath, [string] $LocalPath, [long] $Size, [long] $RangeSize) {
    $uri = "$($C.Api)/items/content$RemotePath"
    $stream = [IO.File]::Create($LocalPath)
    try {
        for ($from = 0L; $from -lt $Size; $from += $RangeSize) {
            $to = [Math]::Min($Size, $from + $RangeSize) - 1
            $response = Invoke-WebRequest -Uri $uri -Headers @{ Authorization = $C.Sid; Range = "bytes=$from-$to" }
            $bytes = [byte[]]$response.Content
            if ($bytes.Length -ne $to - $from + 1) { throw "Range $from-$to answered $($bytes.Length) bytes." }
            $stream.Write($bytes, 0, $bytes.Length)
        }
    } finally { $stream.Dispose() }
}

# Row 3 (and 7): the usual script: create a session, PUT each part read into a byte[] with Invoke-WebRequest, commit.
function Send-ByWebRequestParts($C, [string] $File, [string] $Destination, [long] $PartSize) {
    $upload = "$($C.Api)/upload"
    $size = (Get-Item -LiteralPath $File).Length
    $headers = @{ Authorization = $C.Sid; Accept = 'application/json' }
    $created = Invoke-RestMethod -Method Post -Uri $upload -Headers $headers -Body @{ path = $Destination; size = $size; overwrite = 'true' }
    Assert-Success $created 'Create the upload session'
    $id = $created.data.id
    $stream = [IO.File]::OpenRead($File)
    try {
        $part = 0
        for ($offset = 0L; $offset -lt $size; $offset += $PartSize) {
            $length = [int][Math]::Min($PartSize, $size - $offset)
            $bytes = [byte[]]::new($length)
            $read = 0
            while ($read -lt $length) {
                $n = $stream.Read($bytes, $read, $length - $read)
                if ($n -le 0) { throw 'The file ended early.' }
                $read += $n
            }
            $part++
            $partHeaders = @{ Authorization = $C.Sid; Accept = 'application/json'; 'X-VaultAPI-FilePartNumber' = "$part" }
            $answer = (Invoke-WebRequest -Method Put -Uri "$upload/$id" -Headers $partHeaders -ContentType 'application/octet-stream' -Body $bytes).Content | ConvertFrom-Json
            Assert-Success $answer "Part $part"
        }
    } finally { $stream.Dispose() }
    Assert-Success (Invoke-RestMethod -Method Post -Uri "$upload/$id" -Headers $headers) 'Commit'
}

# Row 4: Invoke-RestMethod following responseDetails.next_page; the items go down the pipeline.
function Get-ByRestMethodPages($C, [string] $Path) {
    $headers = @{ Authorization = $C.Sid; Accept = 'application/json' }
    $uri = "$($C.Api)/items$($Path)?recursive=true&limit=1000"
    while ($uri) {
        $answer = Invoke-RestMethod -Uri $uri -Headers $headers
        Assert-Success $answer 'List'
        $answer.data
        $details = Get-Field $answer 'responseDetails'
        $uri = if ($details) { Get-Field $details 'next_page' } else { $null }
    }
}

# ---------------------------------------------------------------------------------------------
# Set-up
# ---------------------------------------------------------------------------------------------

$totalWatch = [Diagnostics.Stopwatch]::StartNew()
$ModulePath = Get-TestModulePath
if (-not (Test-Path (Join-Path $ModulePath 'VaultStaging.psd1'))) { throw "The module is not staged at ${ModulePath}: run ./build.ps1 Build." }
$null = Get-TestEmulatorPath   # throws when the emulator is not built
$Pwsh = Get-PwshCommand

if (7 -in $Row -and 'Loopback' -in $Column) {
    $floorProject = Join-Path $PSScriptRoot 'BenchFloor/BenchFloor.csproj'
    $FloorDll = Join-Path $PSScriptRoot 'BenchFloor/bin/Release/net10.0/BenchFloor.dll'
    $floorSources = Get-ChildItem (Join-Path $PSScriptRoot 'BenchFloor') -File | Where-Object Extension -In '.cs', '.csproj'
    $built = if (Test-Path $FloorDll) { (Get-Item $FloorDll).LastWriteTimeUtc } else { [DateTime]::MinValue }
    if (@($floorSources | Where-Object LastWriteTimeUtc -GT $built).Count) {
        Write-Step 'Building the floor (tests/bench/BenchFloor)'
        & dotnet build $floorProject -c Release --nologo -v quiet | Out-Host
        if ($LASTEXITCODE -ne 0) { throw "dotnet build $floorProject failed (exit code $LASTEXITCODE)." }
    }
}

$Work = Join-Path ([IO.Path]::GetTempPath()) "vaultstaging-bench-$PID"
$null = New-Item -ItemType Directory -Path $Work -Force
# A private copy of the staged module: a rebuild of out/ during the run cannot pull it from under us.
$snapshot = Join-Path $Work 'module/VaultStaging'
$null = New-Item -ItemType Directory -Path $snapshot -Force
Copy-Item (Join-Path $ModulePath '*') -Destination $snapshot -Recurse
$ModulePath = $snapshot

$NetTitle = '{0} ms, {1} Mbit/s per connection' -f $LatencyMs, $BandwidthMbps
$Columns = [ordered]@{}
foreach ($key in 'Network', 'Loopback') {
    if ($key -notin $Column) { continue }
    $Columns[$key] = [pscustomobject]@{
        Key       = $key
        Title     = if ($key -eq 'Network') { $NetTitle } else { 'loopback' }
        IsNetwork = $key -eq 'Network'
        # The bandwidth limit applies to connections opened while it is set: it is set at start-up.
        EmuArgs   = if ($key -eq 'Network') { @('--latency-ms', "$LatencyMs", '--bandwidth-mbps', "$BandwidthMbps") } else { @() }
        Emu       = $null
        Api       = $null
        Sid       = $null
        Jane      = $null
    }
}
if ($Columns.Count -eq 0) { throw 'No column to run.' }
$HasProvider = $false
$Me = [Diagnostics.Process]::GetCurrentProcess()

try {
    Import-Module $ModulePath -Force
    $HasProvider = [bool](Get-PSProvider -PSProvider VaultStaging -ErrorAction SilentlyContinue)
    foreach ($C in $Columns.Values) {
        $staging = Join-Path $Work "staging-$($C.Key)"
        $null = New-Item -ItemType Directory -Path $staging -Force
        $C.Emu = Start-TestEmulator -ArgumentList (@('--staging-root', $staging) + $C.EmuArgs)
        $C.Api = "$($C.Emu.BaseUrl)/api/$ApiVersion/services/file_staging"
        $C.Jane = $C.Emu.Users.jane.UserId
        Write-Host "Emulator for the $($C.Title) column: $($C.Emu.BaseUrl)"
    }

    # -----------------------------------------------------------------------------------------
    # 1. Many small files up
    # -----------------------------------------------------------------------------------------
    if (1 -in $Row) {
        $count = $Config.R1Files; $size = $Config.R1Size
        $dir = Join-Path $Work 'r1'
        for ($i = 1; $i -le $count; $i++) { New-DataFile (Join-Path $dir ('file-{0:D3}.bin' -f $i)) $size (1000 + $i) }
        $case = '1. {0} × {1:N0} KB up' -f $count, ($size / 1000)
        foreach ($C in $Columns.Values) {
            Write-Step "$case ($($C.Title)), $($Config.R1Rounds) round(s)"
            $r = Invoke-Rounds $Config.R1Rounds @('module', 'script', 'scriptSession', 'sessions') -Warmup:(-not $C.IsNetwork) -Run {
                param($who, $round)
                Reset-Bench $C
                Connect-Bench $C
                $destination = "/r1-$who-$round"
                $cpu0 = Get-CpuSeconds $Me; $emu0 = Get-CpuSeconds $C.Emu.Process
                $watch = [Diagnostics.Stopwatch]::StartNew()
                switch ($who) {
                    'module' {
                        $out = @(Send-VaultFile -Path (Join-Path $dir '*') -Destination "$destination/" -PassThru)
                        if (@($out | Where-Object Status -EQ 'Staged').Count -ne $count) { throw "Send-VaultFile staged $(@($out | Where-Object Status -EQ 'Staged').Count) of $count files." }
                    }
                    'sessions' {
                        $out = @(Send-VaultFile -Path (Join-Path $dir '*') -Destination "$destination/" -UploadMethod UploadSession -PassThru)
                        if (@($out | Where-Object Status -EQ 'CommitAccepted').Count -ne $count) { throw "Send-VaultFile -UploadMethod UploadSession committed $(@($out | Where-Object Status -EQ 'CommitAccepted').Count) of $count files." }
                    }
                    'script' { Send-ByRestMethod $C $dir $destination $null }
                    'scriptSession' { Send-ByRestMethod $C $dir $destination ([Microsoft.PowerShell.Commands.WebRequestSession]::new()) }
                }
                $ms = $watch.Elapsed.TotalMilliseconds
                $last = Invoke-Control $C ('items?path=' + [uri]::EscapeDataString("/u$($C.Jane)$destination/file-{0:D3}.bin" -f $count))
                if (-not $last.exists -or $last.size -ne $size) { throw "$who did not stage the last file ($($last | ConvertTo-Json -Compress))." }
                [pscustomobject]@{ Ms = $ms; Cpu = (Get-CpuSeconds $Me) - $cpu0; EmuCpu = (Get-CpuSeconds $C.Emu.Process) - $emu0 }
            }
            $m = Get-Median (Get-Ms $r.module); $s = Get-Median (Get-Ms $r.script)
            $ws = Get-Median (Get-Ms $r.scriptSession); $old = Get-Median (Get-Ms $r.sessions)
            $rate = { param($ms) '{0:N0} files/s' -f ($count / ($ms / 1000)) }
            Set-Cell $case 'Send-VaultFile (one MD5-checked POST per file, 10 at a time)' $C.Key ('{0}; {1}; CPU: pwsh {2:N1} s, emulator {3:N1} s' -f (Format-Ms (Get-Ms $r.module)), (& $rate $m), (Get-MedianOf $r.module Cpu), (Get-MedianOf $r.module EmuCpu))
            Set-Cell $case 'Invoke-RestMethod -Form loop, one file at a time' $C.Key ('{0}; {1}' -f (Format-Ms (Get-Ms $r.script)), (& $rate $s))
            Set-Cell $case '… the same loop with -WebSession (keeps its connection)' $C.Key ('{0}; {1}' -f (Format-Ms (Get-Ms $r.scriptSession)), (& $rate $ws))
            Set-Cell $case 'Send-VaultFile -UploadMethod UploadSession (the old way: create, part, commit)' $C.Key ('{0}; {1}' -f (Format-Ms (Get-Ms $r.sessions)), (& $rate $old))
            Set-Cell $case 'speed-up over the Invoke-RestMethod loop' $C.Key (Format-Ratio ($s / $m)) '≥ 8 ×' (($s / $m) -ge 8)
            Set-Cell $case 'speed-up over the -WebSession loop / over the old way' $C.Key ('{0} / {1}' -f (Format-Ratio ($ws / $m)), (Format-Ratio ($old / $m)))
        }
        Remove-Item $dir -Recurse -Force
    }

    # -----------------------------------------------------------------------------------------
    # 2. One big download
    # -----------------------------------------------------------------------------------------
    if (2 -in $Row) {
        $size = [long]$Config.R2Size
        $case = '2. {0:N0} MiB down' -f ($size / $MiB)
        $local = Join-Path $Work 'r2-down.bin'
        foreach ($C in $Columns.Values) {
            Write-Step "$case ($($C.Title)), $($Config.R2Rounds) round(s)"
            Reset-Bench $C
            $remote = "/u$($C.Jane)/r2/big.bin"
            $made = Invoke-Control $C items Post @{ path = $remote; kind = 'file'; size = $size; seed = 2 }
            $sha = (Invoke-Control $C ('items?path=' + [uri]::EscapeDataString($remote))).sha256
            $r = Invoke-Rounds $Config.R2Rounds @('module', 'iwr', 'ranged') -Warmup:(-not $C.IsNetwork) -Run {
                param($who, $round)
                Connect-Bench $C
                Remove-Item -LiteralPath $local -ErrorAction Ignore
                Sync-Disk
                $cpu0 = Get-CpuSeconds $Me; $emu0 = Get-CpuSeconds $C.Emu.Process
                $watch = [Diagnostics.Stopwatch]::StartNew()
                switch ($who) {
                    'module' {
                        $out = Receive-VaultFile -Path /r2/big.bin -Destination $local -PassThru
                        if ($out.Status -ne 'Downloaded') { throw "Receive-VaultFile ended with $($out.Status)." }
                    }
                    'iwr' { Invoke-WebRequest -Uri "$($C.Api)/items/content/r2/big.bin" -Headers @{ Authorization = $C.Sid } -OutFile $local }
                    'ranged' { Receive-ByRanges $C '/r2/big.bin' $local $size $Config.R2Range }
                }
                $ms = $watch.Elapsed.TotalMilliseconds
                $result = [pscustomobject]@{ Ms = $ms; Cpu = (Get-CpuSeconds $Me) - $cpu0; EmuCpu = (Get-CpuSeconds $C.Emu.Process) - $emu0 }
                $got = (Get-Item -LiteralPath $local).Length
                if ($got -ne $size) { throw "$who wrote $got bytes, not $size." }
                if ($round -eq 0 -and (Get-TestSha256 $local) -ne $sha) { throw "$who wrote other bytes than the staged file's." }
                Remove-Item -LiteralPath $local
                $result
            }
            # The smoke run measures memory in one column only (the code path is the same).
            $child = $null
            if (-not ($Smoke -and $C.IsNetwork -and $Columns.Contains('Loopback'))) {
                Write-Step "Peak working set of Receive-VaultFile in a child pwsh ($($C.Title))"
                $child = Invoke-MemoryChild $C "(Receive-VaultFile -Path /r2/big.bin -Destination '$local' -Force -PassThru).Status"
                if ($child.result -ne 'Downloaded') { throw "Receive-VaultFile in the child pwsh ended with $($child.result)." }
                Remove-Item -LiteralPath $local -ErrorAction Ignore
            }

            $m = Get-Median (Get-Ms $r.module); $i = Get-Median (Get-Ms $r.iwr); $g = Get-Median (Get-Ms $r.ranged)
            $rate = { param($ms) '{0}, {1}' -f (Format-Rate $size $ms), (Format-Mbits $size $ms) }
            Set-Cell $case ('Receive-VaultFile ({0:N0} MiB ranges, {1} at a time)' -f ([VaultStaging.Transfer.FileDownloader]::RangeSize / $MiB), [VaultStaging.Transfer.FileDownloader]::RangesInFlight) $C.Key ('{0}; {1}; CPU: pwsh {2:N1} s, emulator {3:N1} s' -f (Format-Ms (Get-Ms $r.module)), (& $rate $m), (Get-MedianOf $r.module Cpu), (Get-MedianOf $r.module EmuCpu))
            Set-Cell $case 'Invoke-WebRequest -OutFile (one GET)' $C.Key ('{0}; {1}' -f (Format-Ms (Get-Ms $r.iwr)), (& $rate $i))
            Set-Cell $case ('Invoke-WebRequest, one ranged GET of {0:N0} MiB at a time' -f ($Config.R2Range / $MiB)) $C.Key ('{0}; {1}' -f (Format-Ms (Get-Ms $r.ranged)), (& $rate $g))
            Set-Cell $case 'speed-up over Invoke-WebRequest -OutFile' $C.Key (Format-Ratio ($i / $m)) '≥ 3 ×' (($i / $m) -ge 3)
            Set-Cell $case 'speed-up over one range at a time' $C.Key (Format-Ratio ($g / $m))
            if ($child) {
                # Since ranges are written in ascending order (issue 19), a command may hold its reorder window
                # (ranges ahead of their turn) in memory: the allowance is that window plus the old 100 MB.
                $allowance = [VaultStaging.Transfer.FileDownloader]::ReorderWindowBytes + 100e6
                Set-Cell $case 'peak working set growth of Receive-VaultFile (child pwsh)' $C.Key (Format-Memory $child) ('≤ reorder window + 100 MB = {0:N0} MiB' -f ($allowance / $MiB)) ($child.growthBytes -le $allowance)
            } else {
                Set-Cell $case 'peak working set growth of Receive-VaultFile (child pwsh)' $C.Key 'smoke: measured on loopback only'
            }
        }
    }

    # -----------------------------------------------------------------------------------------
    # 3. One big upload
    # -----------------------------------------------------------------------------------------
    if (3 -in $Row) {
        $size = [long]$Config.R3Size
        $case = '3. {0:N0} MiB up' -f ($size / $MiB)
        $file = Join-Path $Work 'r3.bin'
        New-DataFile $file $size 3
        # The part size Send-VaultFile picks for this file; the script uses the same.
        $partSize = [VaultStaging.Transfer.PartPlanner]::Plan($size, $ApiVersion, $null, $null).PartSize
        foreach ($C in $Columns.Values) {
            Write-Step "$case ($($C.Title)), $($Config.R3Rounds) round(s)"
            $r = Invoke-Rounds $Config.R3Rounds @('module', 'script') -Warmup:(-not $C.IsNetwork) -Run {
                param($who, $round)
                Reset-Bench $C
                Connect-Bench $C
                $destination = "/r3-$who-$round.bin"
                $cpu0 = Get-CpuSeconds $Me; $emu0 = Get-CpuSeconds $C.Emu.Process
                $watch = [Diagnostics.Stopwatch]::StartNew()
                switch ($who) {
                    'module' {
                        $out = Send-VaultFile -Path $file -Destination $destination -UploadMethod UploadSession -PassThru
                        if ($out.Status -ne 'CommitAccepted') { throw "Send-VaultFile ended with $($out.Status)." }
                    }
                    'script' { Send-ByWebRequestParts $C $file $destination $partSize }
                }
                $ms = $watch.Elapsed.TotalMilliseconds
                $result = [pscustomobject]@{ Ms = $ms; Cpu = (Get-CpuSeconds $Me) - $cpu0; EmuCpu = (Get-CpuSeconds $C.Emu.Process) - $emu0 }
                $staged = Invoke-Control $C ('staged?path=' + [uri]::EscapeDataString("/u$($C.Jane)$destination"))
                if (-not $staged.exists -or $staged.size -ne $size) { throw "$who did not stage $destination ($($staged | ConvertTo-Json -Compress))." }
                $result
            }
            $m = Get-Median (Get-Ms $r.module); $s = Get-Median (Get-Ms $r.script)
            $rate = { param($ms) '{0}, {1}' -f (Format-Rate $size $ms), (Format-Mbits $size $ms) }
            $parts = 'parts of {0:N0} MiB' -f ($partSize / $MiB)
            Set-Cell $case "Send-VaultFile ($parts, MD5 of each checked)" $C.Key ('{0}; {1}; CPU: pwsh {2:N1} s, emulator {3:N1} s' -f (Format-Ms (Get-Ms $r.module)), (& $rate $m), (Get-MedianOf $r.module Cpu), (Get-MedianOf $r.module EmuCpu))
            Set-Cell $case "Invoke-WebRequest part loop ($parts)" $C.Key ('{0}; {1}' -f (Format-Ms (Get-Ms $r.script)), (& $rate $s))
            if ($C.IsNetwork) {
                $share = ($size / ($m / 1000)) / $LinkBytesPerSecond
                Set-Cell $case "Send-VaultFile's share of the link's rate" $C.Key ('{0:P0}' -f $share) '≥ 90 %' ($share -ge 0.9)
            } else {
                Set-Cell $case "Send-VaultFile's share of the link's rate" $C.Key 'no link'
            }
            Set-Cell $case 'speed-up over the Invoke-WebRequest loop' $C.Key (Format-Ratio ($s / $m)) '> 1 × (ahead)' (($s / $m) -gt 1)
        }
        Remove-Item $file
    }

    # -----------------------------------------------------------------------------------------
    # 4. Recursive listing
    # -----------------------------------------------------------------------------------------
    if (4 -in $Row) {
        $folders = $Config.R4Folders; $perFolder = $Config.R4Files
        $total = $folders + $folders * $perFolder
        $bigTotal = $Config.R4BigFolders + $Config.R4BigFolders * $Config.R4BigFiles
        $case = '4. List {0:N0} items' -f $total
        foreach ($C in $Columns.Values) {
            Write-Step "$case ($($C.Title)), $($Config.R4Rounds) round(s)$(if (-not $HasProvider) { '; no VaultStaging provider in this build' })"
            Reset-Bench $C
            $null = Invoke-Control $C items Post @{ root = "/u$($C.Jane)/r4"; folders = $folders; filesPerFolder = $perFolder; size = 0 }
            $contenders = @('module') + @(if ($HasProvider) { 'provider' }) + @('script')
            # Warmed up on the link too (a round costs ~5 s there): the network column runs first, and without it
            # the provider's and PowerShell's JIT fall in its timed rounds.
            $r = Invoke-Rounds $Config.R4Rounds $contenders -Warmup -Run {
                param($who, $round)
                Connect-Bench $C
                $cpu0 = Get-CpuSeconds $Me
                $watch = [Diagnostics.Stopwatch]::StartNew()
                $n = switch ($who) {
                    'module' { (Get-VaultStagingItem -Path /r4 -Recurse | Measure-Object).Count }
                    'provider' { (Get-ChildItem -Path Vault:/r4 -Recurse | Measure-Object).Count }
                    'script' { (Get-ByRestMethodPages $C '/r4' | Measure-Object).Count }
                }
                $ms = $watch.Elapsed.TotalMilliseconds
                if ($n -ne $total) { throw "$who listed $n items, not $total." }
                [pscustomobject]@{ Ms = $ms; Cpu = (Get-CpuSeconds $Me) - $cpu0 }
            }
            # When the first item comes out, and when the second page was asked for (the emulator logs each
            # call with the time it arrived): once per contender, outside the timed rounds.
            $first = @{}
            foreach ($who in $contenders) {
                Connect-Bench $C
                $null = Invoke-Control $C log Delete
                $state = @{ At = $null; Ms = $null }
                $watch = [Diagnostics.Stopwatch]::StartNew()
                $list = switch ($who) {
                    'module' { { Get-VaultStagingItem -Path /r4 -Recurse } }
                    'provider' { { Get-ChildItem -Path Vault:/r4 -Recurse } }
                    'script' { { Get-ByRestMethodPages $C '/r4' } }
                }
                & $list | ForEach-Object { if ($null -eq $state.Ms) { $state.Ms = $watch.Elapsed.TotalMilliseconds; $state.At = [DateTimeOffset]::UtcNow } }
                $second = @(Get-EmulatorLog -Emulator $C.Emu | Where-Object { $_.operation -eq 'items' -and "$(Get-Field $_ 'query')".Contains('cursor=') } |
                    ForEach-Object { [DateTimeOffset]$_.time } | Sort-Object | Select-Object -First 1)
                $first[$who] = [pscustomobject]@{
                    Ms       = $state.Ms
                    SecondMs = if ($second.Count) { ($second[0] - $state.At).TotalMilliseconds } else { $null }
                }
            }
            $loop = Get-Median (Get-Ms $r.script)
            $m = Get-Median (Get-Ms $r.module)
            $perPage = [Math]::Ceiling($total / 1000)
            Set-Cell $case 'Get-VaultStagingItem -Recurse' $C.Key ('{0}; {1:N0} items/s; CPU: pwsh {2:N1} s' -f (Format-Ms (Get-Ms $r.module)), ($total / ($m / 1000)), (Get-MedianOf $r.module Cpu))
            if ($HasProvider) {
                $p = Get-Median (Get-Ms $r.provider)
                Set-Cell $case 'Get-ChildItem Vault:/ -Recurse (the provider)' $C.Key ('{0}; {1:N0} items/s; CPU: pwsh {2:N1} s' -f (Format-Ms (Get-Ms $r.provider)), ($total / ($p / 1000)), (Get-MedianOf $r.provider Cpu))
            } else {
                Set-Cell $case 'Get-ChildItem Vault:/ -Recurse (the provider)' $C.Key 'not available (no VaultStaging provider in this build)'
            }
            Set-Cell $case "Invoke-RestMethod loop following next_page ($perPage pages)" $C.Key ('{0}; {1:N0} items/s; CPU: pwsh {2:N1} s' -f (Format-Ms (Get-Ms $r.script)), ($total / ($loop / 1000)), (Get-MedianOf $r.script Cpu))
            Set-Cell $case 'Get-VaultStagingItem ÷ the loop' $C.Key (Format-Ratio ($m / $loop)) '≤ 0.5 ×' (($m / $loop) -le 0.5)
            if ($HasProvider) {
                Set-Cell $case 'Get-ChildItem Vault:/ ÷ the loop' $C.Key (Format-Ratio ($p / $loop)) '≤ 0.5 ×' (($p / $loop) -le 0.5)
            } else {
                Set-Cell $case 'Get-ChildItem Vault:/ ÷ the loop' $C.Key 'not available' '≤ 0.5 ×'
            }
            foreach ($who in $contenders) {
                $f = $first[$who]
                $name = @{ module = 'Get-VaultStagingItem'; provider = 'Get-ChildItem Vault:/'; script = 'the loop' }[$who]
                $when = if ($null -eq $f.SecondMs) { 'no second page' } elseif ($f.SecondMs -ge 0) { 'page 2 asked {0} after it' -f (Format-Duration $f.SecondMs) } else { 'page 2 asked {0} BEFORE it' -f (Format-Duration (-$f.SecondMs)) }
                $target = if ($who -eq 'script') { '' } else { 'before page 2 is asked for' }
                $met = if ($who -eq 'script') { $null } else { $null -ne $f.SecondMs -and $f.SecondMs -ge 0 }
                Set-Cell $case "first item: $name" $C.Key ('{0}; {1}' -f (Format-Duration $f.Ms), $when) $target $met
            }
            if (-not $C.IsNetwork) {
                Write-Step "Peak working set of Get-VaultStagingItem -Recurse in a child pwsh: $total and $bigTotal items ($($C.Title))"
                $null = Invoke-Control $C items Post @{ root = "/u$($C.Jane)/r4big"; folders = $Config.R4BigFolders; filesPerFolder = $Config.R4BigFiles; size = 0 }
                $warm = 'Get-VaultStagingItem -Path /r4/folder-00001 | Select-Object -First 10'
                $small = Invoke-MemoryChild $C '(Get-VaultStagingItem -Path /r4 -Recurse | Measure-Object).Count' $warm
                $big = Invoke-MemoryChild $C '(Get-VaultStagingItem -Path /r4big -Recurse | Measure-Object).Count' $warm
                if ([long]$small.result -ne $total -or [long]$big.result -ne $bigTotal) { throw "The child listings counted $($small.result) and $($big.result) items." }
                $extra = $big.growthBytes - $small.growthBytes
                Set-Cell $case ('peak working set growth, {0:N0} / {1:N0} items (child pwsh)' -f $total, $bigTotal) $C.Key ('{0} / {1}' -f (Format-Memory $small), (Format-Memory $big))
                Set-Cell $case ('… growth for the {0:N0} more items (flat: no item is kept)' -f ($bigTotal - $total)) $C.Key ('{0:+#,0;-#,0;0} KiB = {1:N0} bytes an item' -f ($extra / 1KB), ($extra / ($bigTotal - $total))) '≤ 16 MiB (~200 bytes an item)' ($extra -le 16 * $MiB)
            } else {
                Set-Cell $case ('peak working set growth, {0:N0} / {1:N0} items (child pwsh)' -f $total, $bigTotal) $C.Key 'measured on loopback'
                Set-Cell $case ('… growth for the {0:N0} more items (flat: no item is kept)' -f ($bigTotal - $total)) $C.Key 'measured on loopback'
            }
        }
    }

    # -----------------------------------------------------------------------------------------
    # 5. Sync with a few changes
    # -----------------------------------------------------------------------------------------
    if (5 -in $Row) {
        $folders = $Config.R5Folders; $perFolder = $Config.R5Files; $changed = $Config.R5Changed
        $files = $folders * $perFolder
        $case = '5. Sync {0:N0} files, {1} changed' -f $files, $changed
        $stamp = [DateTime]::new(2024, 1, 2, 3, 4, 5, [DateTimeKind]::Utc)
        foreach ($C in $Columns.Values) {
            Write-Step "$case ($($C.Title)), $($Config.R5Rounds) round(s)"
            Reset-Bench $C
            # The staged tree, and the same tree locally (same names, sizes and times): in sync.
            $null = Invoke-Control $C items Post @{ root = "/u$($C.Jane)/r5"; folders = $folders; filesPerFolder = $perFolder; size = 10000; sparse = $true; modifiedDate = $stamp.ToString('o') }
            $local = Join-Path $Work "r5-$($C.Key)"
            $zeros = [byte[]]::new(10000)
            for ($f = 1; $f -le $folders; $f++) {
                $folder = Join-Path $local ('folder-{0:D5}' -f $f)
                $null = New-Item -ItemType Directory -Path $folder -Force
                for ($i = 1; $i -le $perFolder; $i++) {
                    $path = Join-Path $folder ('file-{0:D5}.bin' -f $i)
                    [IO.File]::WriteAllBytes($path, $zeros)
                    [IO.File]::SetLastWriteTimeUtc($path, $stamp)
                }
            }
            $syncMs = @(); $listMs = @(); $sendMs = @()
            # A round -1 first, untimed (JIT warm-up, as in Invoke-Rounds -Warmup); on the link too, as row 4.
            $firstRound = if ($Smoke) { 0 } else { -1 }
            for ($round = $firstRound; $round -lt $Config.R5Rounds; $round++) {
                $folderName = 'folder-{0:D5}' -f ((($round + $folders) % $folders) + 1)
                $targets = @(for ($i = 1; $i -le $changed; $i++) { Join-Path $local "$folderName/$('file-{0:D5}.bin' -f $i)" })
                $change = {
                    foreach ($t in $targets) { New-DataFile $t 12000 ($round * 100 + [array]::IndexOf($targets, $t)); [IO.File]::SetLastWriteTimeUtc($t, [DateTime]::UtcNow) }
                }
                $sync = {
                    Connect-Bench $C
                    $watch = [Diagnostics.Stopwatch]::StartNew()
                    Sync-VaultStagingFolder -Path $local -Destination /r5
                    $script:syncMs += $watch.Elapsed.TotalMilliseconds
                    foreach ($t in $targets) {
                        $staged = Invoke-Control $C ('items?path=' + [uri]::EscapeDataString("/u$($C.Jane)/r5/$folderName/$(Split-Path -Leaf $t)"))
                        if ($staged.size -ne 12000) { throw "Sync-VaultStagingFolder did not send $t ($($staged | ConvertTo-Json -Compress))." }
                    }
                }
                # The reference: what the sync must do at least, done by hand with the module: one recursive
                # listing, then sending the changed files.
                $reference = {
                    Connect-Bench $C
                    $watch = [Diagnostics.Stopwatch]::StartNew()
                    $n = (Get-VaultStagingItem -Path /r5 -Recurse | Measure-Object).Count
                    $script:listMs += $watch.Elapsed.TotalMilliseconds
                    if ($n -ne $files + $folders) { throw "The listing has $n items, not $($files + $folders)." }
                    $watch.Restart()
                    $out = @(Send-VaultFile -LiteralPath $targets -Destination "/r5/$folderName/" -Overwrite -PassThru)
                    $script:sendMs += $watch.Elapsed.TotalMilliseconds
                    if (@($out | Where-Object Status -EQ 'Staged').Count -ne $changed) { throw "Send-VaultFile staged $(@($out | Where-Object Status -EQ 'Staged').Count) of $changed files." }
                }
                if ($round % 2) { & $reference; & $change; & $sync } else { & $change; & $sync; & $reference }
                if ($round -lt 0) { $syncMs = @(); $listMs = @(); $sendMs = @() }
            }
            $sy = Get-Median $syncMs; $li = Get-Median $listMs; $se = Get-Median $sendMs
            Set-Cell $case 'Sync-VaultStagingFolder' $C.Key (Format-Ms $syncMs)
            Set-Cell $case "one recursive listing (Get-VaultStagingItem) + sending the $changed (Send-VaultFile)" $C.Key ('{0} + {1} = {2}' -f (Format-Ms $listMs), (Format-Ms $sendMs), (Format-Duration ($li + $se)))
            Set-Cell $case 'sync ÷ (listing + sending)' $C.Key (Format-Ratio ($sy / ($li + $se))) '≤ 1.5 ×' (($sy / ($li + $se)) -le 1.5)
            Remove-Item $local -Recurse -Force
        }
    }

    # -----------------------------------------------------------------------------------------
    # 6. -Wait for many commit jobs (loopback)
    # -----------------------------------------------------------------------------------------
    if (6 -in $Row -and $Columns.Contains('Loopback')) {
        $C = $Columns.Loopback
        $count = $Config.R6Files; $size = [long]$Config.R6Size
        $case = '6. -Wait, {0} × {1:N0} MB, {2:N0} s jobs' -f $count, ($size / 1e6), ($Config.R6JobMs / 1000)
        Write-Step "$case ($($C.Title)), $($Config.R6Rounds) round(s)"
        $dir = Join-Path $Work 'r6'
        for ($i = 1; $i -le $count; $i++) { New-DataFile (Join-Path $dir ('file-{0:D2}.bin' -f $i)) $size (600 + $i) }
        $r = Invoke-Rounds $Config.R6Rounds @('wait', 'nowait') {
            param($who, $round)
            Reset-Bench $C
            $null = Invoke-Control $C options Post @{ jobDurationMs = $Config.R6JobMs }
            Connect-Bench $C
            $wait = $who -eq 'wait'
            $watch = [Diagnostics.Stopwatch]::StartNew()
            $out = @(Send-VaultFile -Path (Join-Path $dir '*') -Destination "/r6-$who-$round/" -UploadMethod UploadSession -Wait:$wait -PassThru)
            $ms = $watch.Elapsed.TotalMilliseconds
            $expected = if ($wait) { 'Staged' } else { 'CommitAccepted' }
            if (@($out | Where-Object Status -EQ $expected).Count -ne $count) { throw "Send-VaultFile -Wait:$wait ended $expected for $(@($out | Where-Object Status -EQ $expected).Count) of $count files." }
            $reads = @(Get-EmulatorLog -Emulator $C.Emu | Where-Object operation -EQ 'job')
            $gaps = foreach ($g in ($reads | Group-Object { Get-Field $_ 'jobId' })) {
                $times = @($g.Group | ForEach-Object { [DateTimeOffset]$_.time } | Sort-Object)
                for ($k = 1; $k -lt $times.Count; $k++) { ($times[$k] - $times[$k - 1]).TotalSeconds }
            }
            [pscustomobject]@{
                Ms      = $ms
                Reads   = $reads.Count
                Refused = @($reads | Where-Object { (Get-Field $_ 'errorType') -eq 'API_LIMIT_EXCEEDED' }).Count
                MinGap  = if (@($gaps).Count) { ($gaps | Measure-Object -Minimum).Minimum } else { $null }
            }
        }
        $w = Get-Median (Get-Ms $r.wait); $n = Get-Median (Get-Ms $r.nowait)
        $reads = $r.wait[0]
        $readText = '{0} status reads for {1} jobs, {2} refused; closest two reads of one job {3}' -f $reads.Reads, $count, $reads.Refused, $(if ($null -eq $reads.MinGap) { '—' } else { '{0:N1} s apart' -f $reads.MinGap })
        Set-Cell $case 'Send-VaultFile -Wait' $C.Key ('{0}; {1}' -f (Format-Ms (Get-Ms $r.wait)), $readText)
        Set-Cell $case 'Send-VaultFile without -Wait' $C.Key (Format-Ms (Get-Ms $r.nowait))
        Set-Cell $case '-Wait adds' $C.Key ('{0:N1} s' -f (($w - $n) / 1000)) '≤ 20 s' (($w - $n) -le 20000)
        Remove-Item $dir -Recurse -Force
    }

    # -----------------------------------------------------------------------------------------
    # 7. The loopback rows of issue 5
    # -----------------------------------------------------------------------------------------
    if (7 -in $Row -and $Columns.Contains('Loopback')) {
        $C = $Columns.Loopback
        $UploadUri = "$($C.Api)/upload"
        $janeId = $C.Jane

        # 7a. Listing upload sessions
        $listCount = $Config.ListSessions; $listCalls = $Config.ListCalls; $firstCalls = $Config.FirstCalls
        $case = "7a. List $listCount sessions × $listCalls"
        Write-Step "$case ($($C.Title)), $($Config.ListRounds) round(s)"
        Reset-Bench $C
        $existing = @((Invoke-Control $C state).sessions).Count
        for ($i = $existing; $i -lt $listCount; $i++) {
            $null = Invoke-Control $C sessions Post @{
                owner = $janeId; path = "/u$janeId/bench/list/file-$i.bin"; size = (20 + $i) * $MiB
                uploaded = 5 * $MiB; uploadedParts = 1
            }
        }
        Connect-Bench $C
        $Sid = $C.Sid
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
        # What a user script does: Invoke-RestMethod, then typed objects with the same properties.
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
        # Diagnostic: the module's client called directly (no cmdlet, no PowerShell output), through the
        # connection's internal Client: what the module's own code costs, apart from PowerShell's.
        $listClient = {
            $connection = Get-VaultConnection
            $client = $connection.GetType().GetProperty('Client', [Reflection.BindingFlags]'NonPublic,Instance').GetValue($connection)
            $none = [VaultStaging.Vault.VaultCallContext]::None
            $watch = [Diagnostics.Stopwatch]::StartNew()
            for ($i = 0; $i -lt $listCalls; $i++) {
                $list = $client.ListUploadSessionsAsync($none).GetAwaiter().GetResult()
                if ($list.Count -ne $listCount) { throw "VaultClient.ListUploadSessionsAsync returned $($list.Count) sessions, not $listCount." }
            }
            $watch.Elapsed.TotalMilliseconds
        }
        # Warm-up (JIT of the module, PowerShell and the emulator, connections) for at least 2 s each, as the
        # floor warms up in its own process (>= 1 s), then rounds in rotating order. Without it the first
        # rounds measure tiered JIT: 0.5 s of warm-up left the module at 4.6 ms a call, 10 s at 0.8 ms.
        foreach ($warm in $listModule, $listScript, $listClient) {
            $watch = [Diagnostics.Stopwatch]::StartNew()
            do { $null = & $warm } while (-not $Smoke -and $watch.Elapsed.TotalSeconds -lt 2)
        }
        $null = & $firstModule; $null = & $firstScript
        $r = Invoke-Rounds $Config.ListRounds @('module', 'script', 'floor', 'client') {
            param($who, $round)
            switch ($who) {
                'client' { [pscustomobject]@{ Ms = (& $listClient); First = $null } }
                'module' { [pscustomobject]@{ Ms = (& $listModule); First = (& $firstModule) } }
                'script' { [pscustomobject]@{ Ms = (& $listScript); First = (& $firstScript) } }
                'floor' {
                    $f = Invoke-Floor 'list', $C.Emu.BaseUrl, $Sid, $listCalls, 10
                    if ($f.objects -ne $listCalls * $listCount) { throw "BenchFloor listed $($f.objects) sessions, not $($listCalls * $listCount)." }
                    [pscustomobject]@{ Ms = [double]$f.totalMs; First = [double]$f.firstObjectMs }
                }
            }
        }
        $m = Get-Median (Get-Ms $r.module); $s = Get-Median (Get-Ms $r.script); $f = Get-Median (Get-Ms $r.floor)
        Set-Cell $case 'Get-VaultUploadSession' $C.Key ('{0}; {1:N2} ms/call' -f (Format-Ms (Get-Ms $r.module)), ($m / $listCalls))
        Set-Cell $case 'Invoke-RestMethod loop → [pscustomobject]' $C.Key ('{0}; {1:N2} ms/call' -f (Format-Ms (Get-Ms $r.script)), ($s / $listCalls))
        Set-Cell $case 'C# HttpClient + System.Text.Json (floor)' $C.Key ('{0}; {1:N2} ms/call' -f (Format-Ms (Get-Ms $r.floor)), ($f / $listCalls))
        Set-Cell $case 'module ÷ Invoke-RestMethod loop' $C.Key (Format-Ratio ($m / $s)) '≤ 0.5 ×' (($m / $s) -le 0.5)
        Set-Cell $case 'module ÷ floor' $C.Key (Format-Ratio ($m / $f)) '≤ 1.5 ×' (($m / $f) -le 1.5)
        $cl = Get-Median (Get-Ms $r.client)
        Set-Cell $case '… diagnostic: the module''s client alone (VaultClient.ListUploadSessionsAsync, no cmdlet, no output)' $C.Key ('{0}; {1:N2} ms/call = {2} the floor' -f (Format-Ms (Get-Ms $r.client)), ($cl / $listCalls), (Format-Ratio ($cl / $f)))
        Set-Cell $case 'time to first object: module / script / floor' $C.Key ('{0:N2} / {1:N2} / {2:N2} ms' -f (Get-MedianOf $r.module First), (Get-MedianOf $r.script First), (Get-MedianOf $r.floor First))

        # 7b. One 1 GiB upload vs the floor
        $bigSize = [long]$Config.BigSize
        $case = '7b. {0:N0} MiB up' -f ($bigSize / $MiB)
        Write-Step "$case ($($C.Title)), $($Config.BigRounds) round(s)"
        $bigFile = Join-Path $Work 'big.bin'
        New-DataFile $bigFile $bigSize
        $partSize = [VaultStaging.Transfer.PartPlanner]::Plan($bigSize, $ApiVersion, $null, $null).PartSize
        $null = Invoke-Floor 'read', $bigFile, $partSize   # into the page cache, for every contender alike
        $r = Invoke-Rounds $Config.BigRounds @('module', 'floor') {
            param($who, $round)
            Reset-Bench $C
            Connect-Bench $C
            $destination = "/bench/$who-$round.bin"
            $cpu0 = Get-CpuSeconds $Me; $emu0 = Get-CpuSeconds $C.Emu.Process
            $watch = [Diagnostics.Stopwatch]::StartNew()
            $result = switch ($who) {
                'module' {
                    $out = Send-VaultFile -Path $bigFile -Destination $destination -UploadMethod UploadSession -PassThru
                    if ($out.Status -ne 'CommitAccepted') { throw "Send-VaultFile ended with $($out.Status)." }
                    [pscustomobject]@{ Ms = $watch.Elapsed.TotalMilliseconds; Commit = $null }
                }
                # The floor's own process start (~0.1 s) is not counted: its Stopwatch is.
                'floor' {
                    $answer = Invoke-Floor 'upload', $C.Emu.BaseUrl, $C.Sid, $bigFile, $partSize, $destination
                    [pscustomobject]@{ Ms = [double]$answer.totalMs; Commit = [double]$answer.commitMs }
                }
            }
            $result | Add-Member -NotePropertyName Cpu -NotePropertyValue ((Get-CpuSeconds $Me) - $cpu0)
            $result | Add-Member -NotePropertyName EmuCpu -NotePropertyValue ((Get-CpuSeconds $C.Emu.Process) - $emu0)
            $staged = Invoke-Control $C ('staged?path=' + [uri]::EscapeDataString("/u$janeId$destination"))
            if (-not $staged.exists -or $staged.size -ne $bigSize) { throw "$who did not stage $destination ($($staged | ConvertTo-Json -Compress))." }
            $result
        }
        Write-Step "Peak working set of Send-VaultFile in a child pwsh ($($C.Title))"
        Reset-Bench $C
        $child = Invoke-MemoryChild $C "(Send-VaultFile -Path '$bigFile' -Destination /bench/child.bin -UploadMethod UploadSession -PassThru).Status"
        if ($child.result -ne 'CommitAccepted') { throw "Send-VaultFile in the child pwsh ended with $($child.result)." }
        Remove-Item $bigFile
        $m = Get-Median (Get-Ms $r.module); $f = Get-Median (Get-Ms $r.floor)
        Set-Cell $case ('Send-VaultFile (parts of {0:N0} MiB, MD5 of each checked)' -f ($partSize / $MiB)) $C.Key ('{0}; {1}; CPU: pwsh {2:N1} s, emulator {3:N1} s' -f (Format-Ms (Get-Ms $r.module)), (Format-Rate $bigSize $m), (Get-MedianOf $r.module Cpu), (Get-MedianOf $r.module EmuCpu))
        Set-Cell $case 'C# loop, same parts, no MD5 (floor)' $C.Key ('{0}; {1}; of which commit {2}; CPU: emulator {3:N1} s' -f (Format-Ms (Get-Ms $r.floor)), (Format-Rate $bigSize $f), (Format-Ms ([double[]]@($r.floor | ForEach-Object Commit))), (Get-MedianOf $r.floor EmuCpu))
        Set-Cell $case 'module throughput ÷ floor' $C.Key ('{0:P0}' -f ($f / $m)) '≥ 80 %' (($f / $m) -ge 0.8)
        $allowance = 3 * $partSize + 100MB
        Set-Cell $case 'peak working set growth of Send-VaultFile (child pwsh)' $C.Key (Format-Memory $child) ('≤ 3 parts + 100 MB = {0:N0} MiB' -f ($allowance / $MiB)) ($child.growthBytes -le $allowance)

        # 7c. Import cost in a cold pwsh, as a ratio to a built-in module's
        $case = '7c. Import-Module (cold pwsh)'
        Write-Step "$case ($($Pwsh -join ' ')), $($Config.ImportRuns) run(s) of each"
        $manifest = Join-Path $ModulePath 'VaultStaging.psd1'
        $timed = { param($module) "`$w = [Diagnostics.Stopwatch]::StartNew(); Import-Module '$module'; `$w.Elapsed.TotalMilliseconds" }
        $kinds = [ordered]@{
            bare     = 'exit 0'
            builtin  = & $timed 'Microsoft.PowerShell.Security'
            module   = & $timed $manifest
        }
        if (-not $Smoke) { foreach ($k in $kinds.Keys) { $null = Invoke-Pwsh @('-NoProfile', '-NonInteractive', '-Command', $kinds[$k]) } }   # warm-up: files in the page cache
        $r = Invoke-Rounds $Config.ImportRuns @($kinds.Keys) {
            param($who, $round)
            $watch = [Diagnostics.Stopwatch]::StartNew()
            $out = Invoke-Pwsh @('-NoProfile', '-NonInteractive', '-Command', $kinds[$who])
            [pscustomobject]@{ Ms = $watch.Elapsed.TotalMilliseconds; Inside = if ($who -eq 'bare') { $null } else { [double]($out | Select-Object -Last 1) } }
        }
        $bare = Get-Median (Get-Ms $r.bare); $b = Get-Median (Get-Ms $r.builtin); $v = Get-Median (Get-Ms $r.module)
        $bi = Get-MedianOf $r.builtin Inside; $vi = Get-MedianOf $r.module Inside
        Set-Cell $case 'cold pwsh -NoProfile: bare / + Import-Module Microsoft.PowerShell.Security / + Import-Module VaultStaging' $C.Key ('{0} / {1} / {2}' -f (Format-Ms (Get-Ms $r.bare)), (Format-Ms (Get-Ms $r.builtin)), (Format-Ms (Get-Ms $r.module)))
        Set-Cell $case 'Import-Module timed inside that pwsh: Microsoft.PowerShell.Security / VaultStaging' $C.Key ('{0} / {1}' -f (Format-Ms ([double[]]@($r.builtin | ForEach-Object Inside))), (Format-Ms ([double[]]@($r.module | ForEach-Object Inside))))
        Set-Cell $case 'import cost: VaultStaging ÷ the built-in module (timed inside)' $C.Key ('{0:N3} ×' -f ($vi / $bi)) '≤ 1.0 ×' (($vi / $bi) -le 1.0)
        Set-Cell $case '… the same from whole-process times (added over the bare start)' $C.Key ('{0} ({1:N0} ms ÷ {2:N0} ms)' -f (Format-Ratio (($v - $bare) / ($b - $bare))), ($v - $bare), ($b - $bare))
    }
    # -----------------------------------------------------------------------------------------
    # 8. Ctrl+C: how long Stop() takes on a command waiting on Vault
    # -----------------------------------------------------------------------------------------
    if (8 -in $Row) {
        $case = '8. Ctrl+C (Stop())'
        $stopFile = Join-Path $Work 'r8.bin'
        New-DataFile $stopFile (12 * $MiB) 800   # parts 1, 2 and 3 of an upload session
        $small = Join-Path $Work 'r8-small.bin'
        New-DataFile $small 1000 801
        $delayMs = 30000   # each wait it stops would last 30 s (a slow answer) or 120 s (a job)
        foreach ($C in $Columns.Values) {
            Write-Step "$case ($($C.Title)), $($Config.StopRounds) round(s)"
            Reset-Bench $C
            $null = Invoke-Control $C items Post @{ root = "/u$($C.Jane)/r8"; folders = 3; filesPerFolder = 10; size = 10; sparse = $true }
            $runspace = New-StopRunspace $C
            try {
                $r = Invoke-Rounds $Config.StopRounds @('list', 'upload', 'job') {
                    param($who, $round)
                    switch ($who) {
                        'list' {
                            $id = (Invoke-Control $C faults Post @{ kind = 'slow'; operation = 'items'; delayMs = $delayMs; count = 1 }).id
                            $taken = { -not @(Invoke-Control $C faults | ForEach-Object { $_ } | Where-Object id -EQ $id).Count }
                            Measure-Stop $runspace 'Get-VaultStagingItem' @{ Path = '/r8'; Recurse = $true } $taken 'its listing at the emulator'
                        }
                        'upload' {
                            $id = (Invoke-Control $C faults Post @{ kind = 'slow'; operation = 'upload'; partNumber = 2; delayMs = $delayMs; count = 1 }).id
                            $taken = { -not @(Invoke-Control $C faults | ForEach-Object { $_ } | Where-Object id -EQ $id).Count }
                            Measure-Stop $runspace 'Send-VaultFile' @{ LiteralPath = $stopFile; Destination = "/r8/up-$round.bin"; UploadMethod = 'UploadSession' } $taken 'part 2 at the emulator'
                        }
                        'job' {
                            $null = Invoke-Control $C options Post @{ jobDurationMs = 120000 }
                            $reads = @(Get-EmulatorLog -Emulator $C.Emu | Where-Object operation -EQ 'job').Count
                            $read = { @(Get-EmulatorLog -Emulator $C.Emu | Where-Object operation -EQ 'job').Count -gt $reads }
                            try {
                                Measure-Stop $runspace 'Send-VaultFile' @{ LiteralPath = $small; Destination = "/r8/job-$round.bin"; UploadMethod = 'UploadSession'; Wait = $true } $read 'its first job status read'
                            } finally { $null = Invoke-Control $C options Post @{ jobDurationMs = 0 } }
                        }
                    }
                    $null = Invoke-Control $C faults Delete
                }
            } finally { $runspace.Dispose() }
            $what = [ordered]@{
                list   = 'Get-VaultStagingItem -Recurse waiting on a slow listing (30 s)'
                upload = 'Send-VaultFile with part 2 of its upload session in flight (30 s)'
                job    = 'Send-VaultFile -Wait waiting for a commit job (120 s)'
            }
            foreach ($who in $what.Keys) {
                $ms = [double[]]@(Get-Ms $r[$who])
                $worst = ($ms | Measure-Object -Maximum).Maximum
                Set-Cell $case $what[$who] $C.Key ('median {0}, worst {1} ({2} round{3})' -f (Format-Duration (Get-Median $ms)), (Format-Duration $worst), $ms.Count, $(if ($ms.Count -eq 1) { '' } else { 's' })) '< 1 s, every round' ($worst -lt 1000)
            }
        }
        Remove-Item $stopFile, $small
    }
}
finally {
    foreach ($C in $Columns.Values) { if ($C.Emu) { Stop-TestEmulator $C.Emu } }
    Remove-Item $Work -Recurse -Force -ErrorAction SilentlyContinue
}

# ---------------------------------------------------------------------------------------------
# The table
# ---------------------------------------------------------------------------------------------

$os = [Runtime.InteropServices.RuntimeInformation]::OSDescription
$load = if (Test-Path /proc/loadavg) { '; load average at the end {0}' -f ((Get-Content /proc/loadavg) -split ' ')[0..2] -join ' ' } else { '' }
$lines = [Collections.Generic.List[string]]::new()
$lines.Add(('VaultStaging benchmark{0}: {1:yyyy-MM-dd HH:mm}, {2} cores, {3}, PowerShell {4}, .NET {5}; figures are medians (min–max) of the rounds; total {6:N0} s{7}.' -f
    $(if ($Smoke) { ' (SMOKE: tiny sizes, figures mean nothing)' } else { '' }), (Get-Date), [Environment]::ProcessorCount, $os,
    $PSVersionTable.PSVersion, [Environment]::Version, $totalWatch.Elapsed.TotalSeconds, $load))
$lines.Add('')
$titles = @($Columns.Values | ForEach-Object Title)
$lines.Add('| Row | What | Target | ' + ($titles -join ' | ') + ' |')
$lines.Add('|---|---|---|' + ('---|' * $titles.Count))
foreach ($entry in $Table.Values) {
    $cells = foreach ($key in $Columns.Keys) { if ($entry.Cells.ContainsKey($key)) { $entry.Cells[$key] } else { '—' } }
    $lines.Add("| $($entry.Case) | $($entry.What) | $($entry.Target) | " + ($cells -join ' | ') + ' |')
}
$lines | Out-Host
if ($OutFile) {
    $dir = Split-Path -Parent ([IO.Path]::GetFullPath($OutFile))
    if ($dir) { $null = New-Item -ItemType Directory -Path $dir -Force }
    $lines | Set-Content -Path $OutFile -Encoding utf8
    Write-Host "Table written to $OutFile"
}
