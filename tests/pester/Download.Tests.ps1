#Requires -Version 7.0
# Downloads that fail, are killed, or meet names and files Windows would refuse: every failure is an error
# ($? False, -ErrorAction Stop throws), the same command again finishes the job, and nothing half-written ever
# sits under a final name. Real pwsh, the built module, the emulator as a child process.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestEmulator.psm1') -Force
    Import-Module (Get-TestModulePath) -Force
    $script:emu = Start-TestEmulator
    $script:jane = $emu.Users['jane']
    $script:work = Join-Path ([IO.Path]::GetTempPath()) ("vaultstaging-download-" + [guid]::NewGuid().ToString('N'))
    $null = New-Item -ItemType Directory -Path $work
    $ProgressPreference = 'SilentlyContinue'
    $script:RangeSize = [VaultStaging.Transfer.FileDownloader]::RangeSize

    function Get-Log { Get-EmulatorLog }
    function Add-Fault([hashtable] $Fault) { $null = Invoke-EmulatorControl -Method Post -Path faults -Body $Fault }
    function Connect-Jane { Connect-Vault -Vault $script:emu.BaseUrl -Credential $script:jane.Credential }
    # A file in jane's folder, made on the emulator's side (sparse: zeros, nothing written).
    function New-StagedFile([string] $Path, [long] $Size, [switch] $Sparse, [int] $Seed = 1) {
        $null = Invoke-EmulatorControl -Method Post -Path items -Body @{ path = "/u10001400$Path"; kind = 'file'; size = $Size; sparse = [bool]$Sparse; seed = $Seed }
    }
    function Get-Md5([string] $Path) { (Get-FileHash -Algorithm MD5 -LiteralPath $Path).Hash }
}

AfterAll {
    Stop-TestEmulator $script:emu
    Remove-Item -Recurse -Force $script:work -ErrorAction SilentlyContinue
}

Describe 'A download that fails is an error, whatever its number of ranges' {
    BeforeEach {
        Reset-TestEmulator
        Connect-Jane
        $script:target = Join-Path $work ("fail-" + [guid]::NewGuid().ToString('N'))
        $null = New-Item -ItemType Directory -Path $target
    }

    It 'reports a file of 13 ranges whose every range is refused as an error, not as "did not finish"' {
        $size = 12 * $RangeSize + 1
        New-StagedFile '/dl/big.bin' $size -Sparse
        Add-Fault @{ kind = 'http-status'; operation = 'content'; status = 500; count = -1 }

        Receive-VaultFile -Path '/dl/big.bin' -Destination "$target/" -ErrorAction SilentlyContinue -ErrorVariable failed -WarningVariable warned -WarningAction SilentlyContinue
        $succeeded = $?

        $succeeded | Should -BeFalse -Because '$? is what a runbook reads'
        $failed.Count | Should -Be 1
        $failed[0].FullyQualifiedErrorId | Should -BeLike 'HTTP_ERROR,*'
        "$($failed[0])" | Should -BeLike '*/dl/big.bin*'
        @($warned) | Where-Object { "$_" -like '*did not finish*' } | Should -BeNullOrEmpty
        { Receive-VaultFile -Path '/dl/big.bin' -Destination "$target/" -ErrorAction Stop } | Should -Throw -ErrorId 'HTTP_ERROR*'
        Join-Path $target 'big.bin' | Should -Not -Exist
    }

    It 'reports a file of 13 ranges as an error when the server is gone' {
        $gone = Start-TestEmulator
        try {
            $null = Invoke-EmulatorControl -Emulator $gone -Method Post -Path items -Body @{ path = '/u10001400/dl/gone.bin'; kind = 'file'; size = 12 * $RangeSize + 1; sparse = $true }
            $c = Connect-Vault -Vault $gone.BaseUrl -Credential $jane.Credential -MaximumRetryCount 0 -PassThru
            $item = Get-VaultStagingItem -Path '/dl/gone.bin' -Connection $c
        } finally {
            Stop-TestEmulator $gone
            & (Get-Module TestEmulator) { $script:Current = $args[0] } $script:emu
        }

        # The item is piped: nothing but the ranges is asked of the server that is gone.
        $item | Receive-VaultFile -Connection $c -Destination "$target/" -ErrorAction SilentlyContinue -ErrorVariable failed -WarningVariable warned -WarningAction SilentlyContinue
        $succeeded = $?

        $succeeded | Should -BeFalse
        $failed.Count | Should -Be 1
        $failed[0].FullyQualifiedErrorId | Should -BeLike 'TRANSPORT_ERROR,*'
        @($warned) | Where-Object { "$_" -like '*did not finish*' } | Should -BeNullOrEmpty
        { $item | Receive-VaultFile -Connection $c -Destination "$target/" -ErrorAction Stop } | Should -Throw
    }

    It 'gives a Failed record and an error in Sync -Direction Download for the file it could not bring, and brings the rest' {
        New-StagedFile '/syncfail/big.bin' (12 * $RangeSize + 1) -Sparse
        New-StagedFile '/syncfail/small.bin' 1000 -Seed 5
        Add-Fault @{ kind = 'http-status'; operation = 'content'; pathContains = 'big.bin'; status = 500; count = -1 }

        $records = Sync-VaultStagingFolder -Path $target -Destination '/syncfail' -Direction Download -PassThru -ErrorAction SilentlyContinue -ErrorVariable failed -WarningVariable warned -WarningAction SilentlyContinue
        $succeeded = $?

        $succeeded | Should -BeFalse
        $failed.Count | Should -Be 1
        "$($failed[0])" | Should -BeLike '*big.bin*'
        $big = @($records | Where-Object RelativePath -eq 'big.bin')
        $big.Count | Should -Be 1
        $big[0].Action | Should -Be 'Failed'
        @($records | Where-Object RelativePath -eq 'small.bin').Action | Should -Be 'Downloaded'
        (Get-Item (Join-Path $target 'small.bin')).Length | Should -Be 1000
        Join-Path $target 'big.bin' | Should -Not -Exist
        @($warned) | Where-Object { "$_" -like '*stopped*' } | Should -BeNullOrEmpty
    }
}

Describe 'A download killed part way' {
    BeforeAll {
        Reset-TestEmulator
        Connect-Jane
        $script:target = Join-Path $work 'killed'
        $null = New-Item -ItemType Directory -Path $target
    }

    It 'finishes when the same command is run again after its pwsh was killed, keeping the ranges on disk' {
        $size = 4 * $RangeSize + 3MB + 17                       # 5 ranges
        $file = New-TestFile -Folder $work -Name 'killed.bin' -Bytes $size -Seed 61
        Send-VaultFile -LiteralPath $file -Destination '/dl/'
        $null = Invoke-EmulatorControl -Method Delete -Path log
        # The last range hangs, so the child is surely part way when it is killed (the ranges before it are
        # written in order and reach the journal).
        Add-Fault @{ kind = 'slow'; operation = 'content'; rangeStart = 4 * $RangeSize; delayMs = 120000 }
        $script_ = @"
Import-Module '$(Get-TestModulePath)'
`$ProgressPreference = 'SilentlyContinue'
Connect-Vault -Vault '$($emu.BaseUrl)' -Credential ([pscredential]::new('$($jane.UserName)', (ConvertTo-SecureString '$($jane.Password)' -AsPlainText -Force)))
Receive-VaultFile -Path '/dl/killed.bin' -Destination '$target/'
"@
        $child = Start-Process -FilePath dotnet -ArgumentList @((Join-Path $PSHOME 'pwsh.dll'), '-NoProfile', '-NonInteractive', '-Command', $script_) -PassThru `
            -RedirectStandardOutput (Join-Path $work 'killed.out') -RedirectStandardError (Join-Path $work 'killed.err')
        # Killed once the child has written down (in its journal) at least two finished ranges.
        $deadline = [DateTime]::UtcNow.AddSeconds(90)
        while (@(Get-ChildItem -LiteralPath $target -Force -Filter '*.done' | Get-Content).Count -lt 2) {
            if ($child.HasExited -or [DateTime]::UtcNow -gt $deadline) { $child.Kill($true); throw "The child never finished two ranges: $(Get-Content -Raw (Join-Path $work 'killed.err'))" }
            Start-Sleep -Milliseconds 50
        }
        $child.Kill($true)
        $child.WaitForExit()
        $null = Invoke-EmulatorControl -Method Delete -Path faults
        $null = Invoke-EmulatorControl -Method Delete -Path log

        Join-Path $target 'killed.bin' | Should -Not -Exist -Because 'nothing half-written is ever under the final name'
        $kept = @(Get-ChildItem -LiteralPath $target -Force -Filter '*.done' | Get-Content | Sort-Object -Unique)
        $kept.Count | Should -BeGreaterOrEqual 2
        $keptBytes = 0L
        foreach ($index in $kept) { $keptBytes += [Math]::Min($size, ([long]$index + 1) * $RangeSize) - [long]$index * $RangeSize }

        $result = Receive-VaultFile -Path '/dl/killed.bin' -Destination "$target/" -PassThru

        $result.Status | Should -Be 'Downloaded'
        $result.BytesResumed | Should -Be $keptBytes
        ($result.BytesResumed + $result.BytesReceived) | Should -Be $size
        @(Get-Log | Where-Object operation -eq 'content').Count | Should -Be (5 - $kept.Count) -Because 'only the ranges not on disk are fetched again'
        Get-Md5 (Join-Path $target 'killed.bin') | Should -Be (Get-Md5 $file)
        @(Get-ChildItem -LiteralPath $target -Force).Name | Should -Be @('killed.bin') -Because 'no temporary file or journal is left'
    }
}

Describe 'A remote name the local file system cannot hold' {
    BeforeAll {
        Reset-TestEmulator
        Connect-Jane
        # 'C:drive.txt' starts like a drive letter: refused on every system (Windows' own rules are run on Linux
        # in xunit, through LocalNameRules.Windows).
        New-StagedFile '/names/C:drive.txt' 10 -Seed 1
        New-StagedFile '/names/ok.txt' 20 -Seed 2
        New-StagedFile '/names/sub/also-ok.txt' 30 -Seed 3
    }

    It 'fails alone in Sync -Direction Download: a Failed record and an error, and the rest syncs' {
        $local = Join-Path $work 'names-sync'
        $records = Sync-VaultStagingFolder -Path $local -Destination '/names' -Direction Download -PassThru -ErrorAction SilentlyContinue -ErrorVariable failed
        $succeeded = $?

        $succeeded | Should -BeFalse
        $failed.Count | Should -Be 1
        $failed[0].FullyQualifiedErrorId | Should -BeLike 'UNSAFE_NAME,*'
        "$($failed[0])" | Should -BeLike '*/names/C:drive.txt*'
        @($records | Where-Object Action -eq 'Failed').RelativePath | Should -Be @('C:drive.txt')
        (Get-Item (Join-Path $local 'ok.txt')).Length | Should -Be 20
        (Get-Item (Join-Path $local 'sub/also-ok.txt')).Length | Should -Be 30
    }

    It 'fails alone in Receive-VaultFile -Recurse' {
        $local = Join-Path $work 'names-receive'
        $results = Receive-VaultFile -Path '/names' -Recurse -Destination $local -PassThru -ErrorAction SilentlyContinue -ErrorVariable failed
        $failed.Count | Should -Be 1
        $failed[0].FullyQualifiedErrorId | Should -BeLike 'UNSAFE_NAME,*'
        @($results | Where-Object Status -eq 'Downloaded').Count | Should -Be 2
    }
}

Describe 'A target whose name is near the 255-character limit' {
    It 'downloads a file of a 250-character name (its temporary name would have been about 290)' {
        Reset-TestEmulator
        Connect-Jane
        $name = ('n' * 246) + '.bin'
        New-StagedFile "/long/$name" 5000 -Seed 9
        $local = Join-Path $work 'long'
        $result = Receive-VaultFile -Path "/long/$name" -Destination "$local/" -PassThru
        $result.Status | Should -Be 'Downloaded'
        Get-TestSha256 (Join-Path $local $name) | Should -Be (Get-StagedFile "/u10001400/long/$name").sha256
        @(Get-ChildItem -LiteralPath $local -Force).Name | Should -Be @($name)
    }
}
