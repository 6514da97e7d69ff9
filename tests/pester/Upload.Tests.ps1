#Requires -Version 7.0
# The upload-session lifecycle end to end: real pwsh, the built module, the emulator as a child process,
# real files on disk. The emulator's request log and its staged files are the proof.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestEmulator.psm1') -Force
    Import-Module (Get-TestModulePath) -Force
    $script:work = Join-Path ([IO.Path]::GetTempPath()) ("vaultstaging-upload-" + [guid]::NewGuid().ToString('N'))
    $null = New-Item -ItemType Directory -Path $work
    $ProgressPreference = 'SilentlyContinue'

    function New-RandomFile([string] $Name, [long] $Bytes, [int] $Seed = 1) { New-TestFile -Folder $script:work -Name $Name -Bytes $Bytes -Seed $Seed }
    function Get-Staged([string] $StagingPath) { Get-StagedFile -Path $StagingPath }
    function Get-Sha256([string] $Path) { Get-TestSha256 $Path }
    function Get-Log { Get-EmulatorLog }
    function Connect-Jane { Connect-Vault -Vault $script:emu.BaseUrl -Credential $script:jane.Credential }
}

AfterAll {
    Remove-Item -Recurse -Force $script:work -ErrorAction SilentlyContinue
}

# Whether Vault lists a non-admin's session paths as /Folder/File or /u{id}/Folder/File is UNCONFIRMED
# (vault-api.md): every upload, resume and fault test runs under both forms.
Describe 'Send-VaultFile through upload sessions (non-admin paths <Mode>)' -ForEach @(@{ Mode = 'relative' }, @{ Mode = 'absolute' }) {
    BeforeAll {
        $script:emu = Start-TestEmulator -ArgumentList '--non-admin-paths', $Mode
        $script:jane = $emu.Users['jane']
    }
    AfterAll { Stop-TestEmulator $script:emu }

    BeforeEach {
        Reset-TestEmulator
        Connect-Jane
    }

    It 'stages a 200 MiB file of random bytes byte for byte' {
        $file = New-RandomFile 'big-200.bin' 200MB -Seed 200
        $result = Send-VaultFile -Path $file -Destination '/videos/' -PassThru

        $result.Destination | Should -Be '/videos/big-200.bin'
        $result.Method | Should -Be 'UploadSession'
        $result.Status | Should -Be 'CommitAccepted'
        $result.PartsSent | Should -Be $result.PartCount
        $staged = Get-Staged '/u10001400/videos/big-200.bin'
        $staged.exists | Should -BeTrue
        $staged.size | Should -Be 200MB
        $staged.sha256 | Should -Be (Get-Sha256 $file)
        # Parts went in numerical order, one after another.
        $parts = @(Get-Log | Where-Object operation -eq 'upload' | ForEach-Object partNumber)
        $parts | Should -Be (1..$result.PartCount)
    }

    It 'finishes an upload whose pwsh was killed, without sending again the parts already there' {
        $file = New-RandomFile 'killed.bin' 40MB -Seed 7       # 8 parts of 5 MiB
        # Part 5 hangs, so the child is surely in the middle of the upload when it is killed.
        $null = Invoke-EmulatorControl -Method Post -Path faults -Body @{ kind = 'slow'; operation = 'upload'; partNumber = 5; delayMs = 60000 }
        $script_ = @"
Import-Module '$(Get-TestModulePath)'
Connect-Vault -Vault '$($emu.BaseUrl)' -Credential ([pscredential]::new('$($jane.UserName)', (ConvertTo-SecureString '$($jane.Password)' -AsPlainText -Force)))
Send-VaultFile -LiteralPath '$file' -Destination '/resume/killed.bin' -UploadMethod UploadSession
"@
        $child = Start-Process -FilePath dotnet -ArgumentList @((Join-Path $PSHOME 'pwsh.dll'), '-NoProfile', '-NonInteractive', '-Command', $script_) -PassThru -RedirectStandardOutput (Join-Path $work 'child.out') -RedirectStandardError (Join-Path $work 'child.err')
        $deadline = [DateTime]::UtcNow.AddSeconds(60)
        while (@(Get-Log | Where-Object { $_.operation -eq 'upload' -and $_.status -eq 200 }).Count -lt 4) {
            if ([DateTime]::UtcNow -gt $deadline) { $child.Kill($true); throw 'The child never uploaded 4 parts.' }
            Start-Sleep -Milliseconds 100
        }
        $child.Kill($true)
        $child.WaitForExit()
        $null = Invoke-EmulatorControl -Method Delete -Path faults
        $before = @(Get-Log | Where-Object { $_.operation -eq 'upload' -and $_.status -eq 200 } | ForEach-Object partNumber)

        $result = Send-VaultFile -LiteralPath $file -Destination '/resume/killed.bin' -UploadMethod UploadSession -PassThru

        $result.Resumed | Should -BeTrue
        $result.PartsAlreadyThere | Should -Be $before.Count
        $after = @(Get-Log | Where-Object { $_.operation -eq 'upload' -and $_.status -eq 200 } | ForEach-Object partNumber)
        $sentAgain = $after | Select-Object -Skip $before.Count
        $sentAgain | Should -Be (($before.Count + 1)..8)
        @(Get-Log | Where-Object operation -eq 'create').Count | Should -Be 1
        (Get-Staged '/u10001400/resume/killed.bin').sha256 | Should -Be (Get-Sha256 $file)
    }

    It 'finishes an upload whose pwsh was killed while its commit was on the way, sending no part again' {
        $file = New-RandomFile 'killed-commit.bin' 11MB -Seed 8      # 3 parts
        # The commit hangs at the vault, so the child is killed with every part sent and the commit in flight.
        $null = Invoke-EmulatorControl -Method Post -Path faults -Body @{ kind = 'slow'; operation = 'commit'; delayMs = 60000 }
        $script_ = @"
Import-Module '$(Get-TestModulePath)'
Connect-Vault -Vault '$($emu.BaseUrl)' -Credential ([pscredential]::new('$($jane.UserName)', (ConvertTo-SecureString '$($jane.Password)' -AsPlainText -Force)))
Send-VaultFile -LiteralPath '$file' -Destination '/resume/killed-commit.bin' -UploadMethod UploadSession
"@
        $child = Start-Process -FilePath dotnet -ArgumentList @((Join-Path $PSHOME 'pwsh.dll'), '-NoProfile', '-NonInteractive', '-Command', $script_) -PassThru -RedirectStandardOutput (Join-Path $work 'child2.out') -RedirectStandardError (Join-Path $work 'child2.err')
        $deadline = [DateTime]::UtcNow.AddSeconds(60)
        # A fault that a request has taken leaves the list: then the commit is at the vault.
        while (@(foreach ($f in (Invoke-EmulatorControl -Path faults)) { $f }).Count -gt 0) {
            if ([DateTime]::UtcNow -gt $deadline) { $child.Kill($true); throw 'The child never sent its commit.' }
            Start-Sleep -Milliseconds 100
        }
        Start-Sleep -Milliseconds 200
        $child.Kill($true)
        $child.WaitForExit()
        $null = Invoke-EmulatorControl -Method Delete -Path faults

        $result = Send-VaultFile -LiteralPath $file -Destination '/resume/killed-commit.bin' -UploadMethod UploadSession -PassThru

        $result.Resumed | Should -BeTrue
        $result.PartsSent | Should -Be 0
        $result.PartsAlreadyThere | Should -Be 3
        $result.Status | Should -Be 'CommitAccepted'
        @(Get-Log | Where-Object { $_.operation -eq 'upload' }).Count | Should -Be 3
        (Get-Staged '/u10001400/resume/killed-commit.bin').sha256 | Should -Be (Get-Sha256 $file)
    }

    It 'refuses, when run again, an upload whose pwsh was killed right after its commit: nothing is sent twice' {
        $file = New-RandomFile 'killed-after.bin' 11MB -Seed 9      # 3 parts
        # The commit is answered; the first read of its job hangs, so the child is killed with the file committed.
        $null = Invoke-EmulatorControl -Method Post -Path faults -Body @{ kind = 'slow'; operation = 'job'; delayMs = 60000 }
        $script_ = @"
Import-Module '$(Get-TestModulePath)'
Connect-Vault -Vault '$($emu.BaseUrl)' -Credential ([pscredential]::new('$($jane.UserName)', (ConvertTo-SecureString '$($jane.Password)' -AsPlainText -Force)))
Send-VaultFile -LiteralPath '$file' -Destination '/resume/killed-after.bin' -UploadMethod UploadSession -Wait
"@
        $child = Start-Process -FilePath dotnet -ArgumentList @((Join-Path $PSHOME 'pwsh.dll'), '-NoProfile', '-NonInteractive', '-Command', $script_) -PassThru -RedirectStandardOutput (Join-Path $work 'child3.out') -RedirectStandardError (Join-Path $work 'child3.err')
        $deadline = [DateTime]::UtcNow.AddSeconds(60)
        while (@(Get-Log | Where-Object { $_.operation -eq 'commit' -and $_.status -eq 200 }).Count -lt 1) {
            if ([DateTime]::UtcNow -gt $deadline) { $child.Kill($true); throw 'The child never committed.' }
            Start-Sleep -Milliseconds 100
        }
        $child.Kill($true)
        $child.WaitForExit()
        $null = Invoke-EmulatorControl -Method Delete -Path faults
        $null = Invoke-EmulatorControl -Method Delete -Path log

        Send-VaultFile -LiteralPath $file -Destination '/resume/killed-after.bin' -UploadMethod UploadSession -Wait -PassThru -ErrorVariable again -ErrorAction SilentlyContinue | Should -BeNullOrEmpty

        $again.Count | Should -Be 1
        $again[0].FullyQualifiedErrorId | Should -BeLike 'ITEM_NAME_EXISTS,*'
        "$($again[0])" | Should -BeLike '*A file is already at /resume/killed-after.bin; it was kept*an earlier run may have sent it already*'
        @(Get-Log | Where-Object { $_.operation -in 'create', 'upload', 'commit' }).Count | Should -Be 0
        (Get-Staged '/u10001400/resume/killed-after.bin').sha256 | Should -Be (Get-Sha256 $file)
        @(Get-VaultUploadSession | Where-Object Path -like '*killed-after.bin').Count | Should -Be 0
    }

    It 'sends a part again when Vault reports another MD5 for it' {
        $file = New-RandomFile 'corrupt.bin' 12MB -Seed 3       # 3 parts
        $null = Invoke-EmulatorControl -Method Post -Path faults -Body @{ kind = 'corrupt-part'; operation = 'upload'; partNumber = 2 }
        $all = Send-VaultFile -Path $file -Destination '/c/corrupt.bin' -UploadMethod UploadSession -PassThru -Verbose 4>&1
        $result = $all | Where-Object { $_ -is [VaultStaging.Transfer.UploadResult] }
        @(Get-Log | Where-Object { $_.operation -eq 'upload' } | ForEach-Object partNumber) | Should -Be @(1, 2, 2, 3)
        @($all | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] -and $_.Message -like 'Part 2 *damaged*' }).Count | Should -Be 1
        (Get-Staged '/u10001400/c/corrupt.bin').sha256 | Should -Be (Get-Sha256 $file)
        $result.Status | Should -Be 'CommitAccepted'
    }

    It 'fails clearly and keeps the session when a part keeps arriving damaged' {
        $file = New-RandomFile 'always-corrupt.bin' 6MB -Seed 4
        $null = Invoke-EmulatorControl -Method Post -Path faults -Body @{ kind = 'corrupt-part'; operation = 'upload'; partNumber = 1; count = -1 }
        Send-VaultFile -Path $file -Destination '/c/always.bin' -UploadMethod UploadSession -ErrorVariable failure -ErrorAction SilentlyContinue
        $failure.Count | Should -Be 1
        $failure[0].FullyQualifiedErrorId | Should -BeLike 'PART_MD5_MISMATCH,*'
        "$($failure[0])" | Should -BeLike '*To resume it, run: Send-VaultFile -LiteralPath*'
        @(Get-VaultUploadSession | Where-Object Path -like '*/c/always.bin').Count | Should -Be 1
    }

    It 'uploads a folder of files concurrently, never more at once than -ThrottleLimit' {
        $folder = Join-Path $work "many-$Mode"
        $null = New-Item -ItemType Directory -Path $folder
        1..8 | ForEach-Object { $null = Move-Item (New-RandomFile "f$_-$Mode.bin" 6MB -Seed $_) $folder }
        # Slow parts make the uploads overlap in time.
        $null = Invoke-EmulatorControl -Method Post -Path faults -Body @{ kind = 'slow'; operation = 'upload'; delayMs = 150; count = -1 }

        $results = Get-ChildItem $folder -File | Send-VaultFile -Destination '/many/' -ThrottleLimit 3 -UploadMethod UploadSession -PassThru

        $results.Count | Should -Be 8
        @(Get-Log | Where-Object operation -eq 'list').Count | Should -Be 1 -Because 'the sessions are listed once for the whole command'
        $active = 0; $peak = 0
        foreach ($entry in Get-Log | Sort-Object seq) {
            if ($entry.operation -eq 'create' -and $entry.status -eq 200) { $active++; $peak = [Math]::Max($peak, $active) }
            if ($entry.operation -eq 'commit' -and $entry.status -eq 200) { $active-- }
        }
        $peak | Should -Be 3
        foreach ($f in Get-ChildItem $folder -File) {
            (Get-Staged "/u10001400/many/$($f.Name)").sha256 | Should -Be (Get-Sha256 $f.FullName)
        }
    }

    It 'waits for the commit job with -Wait and says Staged only once the file is listed with its size' {
        $file = New-RandomFile 'wait.bin' 1MB -Seed 5
        $all = @(Send-VaultFile -Path $file -Destination '/w/wait.bin' -UploadMethod UploadSession -Wait -PassThru -Verbose 4>&1)
        $result = $all | Where-Object { $_ -isnot [Management.Automation.VerboseRecord] }
        # Each status read of the job is worded as every job's is (Remove-VaultStagingItem, the drive, Sync -Delete).
        $session = @(Get-Log | Where-Object operation -EQ 'commit')[0].uploadSessionId
        @($all | Where-Object { $_ -is [Management.Automation.VerboseRecord] -and $_.Message -match "^Commit upload session $([regex]::Escape($session)): job \d+: SUCCESS\.$" }).Count |
            Should -Be 1 -Because (($all | Where-Object { $_ -is [Management.Automation.VerboseRecord] } | ForEach-Object Message | Select-Object -Last 5) -join ' | ')
        $result.Status | Should -Be 'Staged'
        $result.JobStatus | Should -Be 'SUCCESS'
        # One listing of the file before the session (is the name taken?) and one after the job (the check); no download.
        @(Get-Log | Where-Object { $_.operation -eq 'items' -and $_.path -like '*/w/wait.bin' }).Count | Should -Be 2
        @(Get-Log | Where-Object operation -eq 'content').Count | Should -Be 0
    }

    It 'refuses bad input before any call that could change the vault: <Case>' -ForEach @(
        @{ Case = 'missing file'; Arguments = @{ Path = '/no/such/file.bin'; Destination = '/x/' }; Id = 'InvalidArgument' }
        @{ Case = 'a folder'; Arguments = @{ LiteralPath = [IO.Path]::GetTempPath(); Destination = '/x/' }; Id = 'InvalidArgument' }
        @{ Case = 'part size too small'; Arguments = @{ Path = 'SMALL'; Destination = '/x/'; PartSize = 1MB }; Id = 'InvalidArgument' }
        @{ Case = 'part size too large'; Arguments = @{ Path = 'SMALL'; Destination = '/x/'; PartSize = 60MB }; Id = 'InvalidArgument' }
        @{ Case = 'destination with ..'; Arguments = @{ Path = 'SMALL'; Destination = '/x/../y.bin' }; Id = 'InvalidArgument' }
        @{ Case = 'empty file through a session'; Arguments = @{ Path = 'EMPTY'; Destination = '/x/'; UploadMethod = 'UploadSession' }; Id = 'InvalidArgument' }
        @{ Case = 'several files to one file name'; Arguments = @{ Path = 'BOTH'; Destination = '/x/one.bin' }; Id = 'InvalidArgument' }
    ) {
        $small = New-RandomFile 'small.bin' 100 -Seed 9
        $empty = Join-Path $work 'empty.bin'; $null = New-Item -ItemType File -Path $empty -Force
        $arguments = $Arguments.Clone()
        if ($arguments.Path -eq 'SMALL') { $arguments.Path = $small }
        if ($arguments.Path -eq 'EMPTY') { $arguments.Path = $empty }
        if ($arguments.Path -eq 'BOTH') { $arguments.Path = @($small, (New-RandomFile 'small2.bin' 100 -Seed 10)) }
        $null = Invoke-EmulatorControl -Method Delete -Path log

        $errors = $null
        try { Send-VaultFile @arguments -ErrorVariable errors -ErrorAction SilentlyContinue } catch { $errors = @($_) }

        @($errors).Count | Should -BeGreaterThan 0
        $errors[0].FullyQualifiedErrorId | Should -BeLike "$Id,*"
        "$($errors[0])" | Should -Not -BeLike '*   at *'          # no .NET stack trace
        @(Get-Log | Where-Object { $_.method -ne 'GET' }).Count | Should -Be 0
    }
}

Describe 'Upload session cmdlets' {
    BeforeAll {
        $script:emu = Start-TestEmulator
        $script:jane = $emu.Users['jane']
    }
    AfterAll { Stop-TestEmulator $script:emu }

    BeforeEach {
        Reset-TestEmulator
        Connect-Jane
    }

    It 'creates a session, lists its parts and aborts it' {
        $s = New-VaultUploadSession -Path '/cmd/new.bin' -Size 12MB
        $s | Should -BeOfType ([VaultStaging.UploadSession])
        $s.Size | Should -Be 12MB
        @(Get-VaultUploadSessionPart -Id $s.Id).Count | Should -Be 0
        $s | Remove-VaultUploadSession -Confirm:$false
        @(Get-VaultUploadSession | Where-Object Id -eq $s.Id).Count | Should -Be 0
    }

    It 'lists the parts uploaded so far with their MD5' {
        $file = New-RandomFile 'parts.bin' 11MB -Seed 11
        $null = Invoke-EmulatorControl -Method Post -Path faults -Body @{ kind = 'http-status'; operation = 'commit'; status = 400; count = -1 }
        Send-VaultFile -Path $file -Destination '/p/parts.bin' -UploadMethod UploadSession -ErrorAction SilentlyContinue
        $parts = Get-VaultUploadSession | Where-Object Path -like '*/p/parts.bin' | Get-VaultUploadSessionPart
        $parts.PartNumber | Should -Be @(1, 2, 3)
        $parts[0].Size | Should -Be 5MB
        $bytes = [IO.File]::ReadAllBytes($file)
        $md5 = [Security.Cryptography.MD5]::HashData([byte[]]$bytes[0..(5MB - 1)])
        $parts[0].Md5 | Should -Be ([Convert]::ToHexString($md5).ToLowerInvariant())
    }

    It 'commits with Complete-VaultUploadSession -Wait and gets the job status' {
        $s = New-VaultUploadSession -Path '/cmd/commit.bin' -Size 10
        $null = Invoke-RestMethod -Method Put -Uri "$($emu.BaseUrl)/api/v26.1/services/file_staging/upload/$([uri]::EscapeDataString($s.Id))" `
            -Headers @{ Authorization = (New-TestVaultSession -User jane); 'X-VaultAPI-FilePartNumber' = '1' } `
            -ContentType 'application/octet-stream' -Body ([byte[]]::new(10))
        $all = @($s | Complete-VaultUploadSession -Wait -Confirm:$false -Verbose 4>&1)
        $job = $all | Where-Object { $_ -isnot [Management.Automation.VerboseRecord] }
        @($all | Where-Object { $_ -is [Management.Automation.VerboseRecord] -and $_.Message -match "^Commit upload session $([regex]::Escape($s.Id)): job $($job.JobId): SUCCESS\.$" }).Count | Should -Be 1
        $job.Status | Should -Be 'SUCCESS'
        $job.JobId | Should -BeGreaterThan 0
        (Get-Staged '/u10001400/cmd/commit.bin').exists | Should -BeTrue
    }

    It 'names the upload session once when a commit fails, and never the Vault session' {
        # Connected with a session id made elsewhere, so the test knows the secret that must not show.
        $sid = New-TestVaultSession -User jane
        Connect-Vault -Vault $emu.BaseUrl -SessionId (ConvertTo-SecureString $sid -AsPlainText -Force)
        function Get-Count([string] $Text, [string] $Part) { ([regex]::Matches($Text, [regex]::Escape($Part))).Count }

        # Vault refuses the commit of an incomplete session, naming the session in its own message.
        $s = New-VaultUploadSession -Path '/cmd/half.bin' -Size 12MB
        Complete-VaultUploadSession -Id $s.Id -Confirm:$false -ErrorVariable refused -ErrorAction SilentlyContinue
        $refused.Count | Should -Be 1
        $refused[0].FullyQualifiedErrorId | Should -BeLike 'OPERATION_NOT_ALLOWED,*'
        Get-Count "$($refused[0])" $s.Id | Should -Be 1 -Because "the message was: $($refused[0])"

        # Send-VaultFile: the commit fails, the session stays; its id is said once, and given in the command that aborts it.
        $file = New-RandomFile 'commit-fails.bin' 6MB -Seed 12
        $null = Invoke-EmulatorControl -Method Post -Path faults -Body @{ kind = 'http-status'; operation = 'commit'; status = 400 }
        Send-VaultFile -LiteralPath $file -Destination '/cmd/commit-fails.bin' -UploadMethod UploadSession -ErrorVariable failed -ErrorAction SilentlyContinue
        $failed.Count | Should -Be 1
        $id = (Get-VaultUploadSession | Where-Object Path -like '*/cmd/commit-fails.bin').Id
        $message = "$($failed[0])"
        $message | Should -BeLike "*To abort it, run: Remove-VaultUploadSession -Id '$id'*"
        Get-Count $message.Replace("Remove-VaultUploadSession -Id '$id'", '') $id | Should -Be 1 -Because "the message was: $message"
        foreach ($text in "$($refused[0])", $message, ($failed[0] | Format-List * -Force | Out-String), ($refused[0] | Format-List * -Force | Out-String)) {
            $text.Contains($sid) | Should -BeFalse -Because 'the Vault session id is a secret'
        }
    }

    It 'says what a commit job does when it is read by its id alone' {
        # Two jobs, each read once: Vault allows one read of a job per 10 seconds, whichever connection reads it.
        $files = (New-RandomFile 'by-id/one.bin' 6MB -Seed 13), (New-RandomFile 'by-id/two.bin' 6MB -Seed 14)
        $sent, $other = Send-VaultFile -LiteralPath $files -Destination '/cmd/' -UploadMethod UploadSession -PassThru | Sort-Object Destination
        # Started on this connection: the connection remembers what the job does.
        $job = Get-VaultJob -Id $sent.JobId
        $job.Operation | Should -BeLike "Commit upload session $($sent.UploadSessionId)"
        $job | Format-Table | Out-String -Width 80 | Should -BeLike "*$($sent.JobId) SUCCESS*Commit*"
        # Read on another connection (as in another session, or for another tool's job): Vault's answer names only
        # the HTTP method of the call that started it, which is said as it is, never a blank.
        Connect-Jane
        $elsewhere = Get-VaultJob -Id $other.JobId
        $elsewhere.Method | Should -Be 'POST'
        $elsewhere.Operation | Should -Be 'Unknown (a POST job started elsewhere)'
        $elsewhere | Format-Table | Out-String -Width 80 | Should -BeLike "*$($other.JobId) SUCCESS*Unknown (a POST job*"
    }

    It 'shows with -WhatIf what it would abort and aborts nothing' {
        $before = @(Get-VaultUploadSession).Count
        # "What if" lines go to the host, not to a stream: a transcript records them.
        $transcript = Join-Path $work 'whatif.txt'
        $null = Start-Transcript -Path $transcript
        Get-VaultUploadSession | Where-Object ExpirationDate -lt (Get-Date).AddDays(30) | Remove-VaultUploadSession -WhatIf
        $null = Stop-Transcript
        @(Get-Content $transcript | Where-Object { $_ -like 'What if:*Abort*' }).Count | Should -Be $before
        @(Get-VaultUploadSession).Count | Should -Be $before
        @(Get-Log | Where-Object operation -eq 'abort').Count | Should -Be 0
    }

    It 'aborts what comes down the pipeline with -Confirm:$false' {
        Get-VaultUploadSession | Where-Object { $_.Uploaded -lt $_.Size } | Remove-VaultUploadSession -Confirm:$false
        @(Get-VaultUploadSession).Count | Should -Be 1
        @(Get-Log | Where-Object operation -eq 'abort').Count | Should -Be 2
    }

    It 'turns the 51st active session into a clear error' {
        # The seed has 3 sessions: 47 more make Vault's 50.
        1..47 | ForEach-Object { $null = New-VaultUploadSession -Path "/cap/f$_.bin" -Size 100 }
        New-VaultUploadSession -Path '/cap/one-too-many.bin' -Size 100 -ErrorVariable capped -ErrorAction SilentlyContinue
        $capped.Count | Should -Be 1
        $capped[0].FullyQualifiedErrorId | Should -BeLike 'OPERATION_NOT_ALLOWED,*'
        "$($capped[0])" | Should -BeLike '*Create an upload session for /cap/one-too-many.bin failed*'
        @(Get-VaultUploadSession).Count | Should -Be 50
    }
}
