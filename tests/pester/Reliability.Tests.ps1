#Requires -Version 7.0
# Bad input across every cmdlet, many users at once, and secrets under faults: end to end in real pwsh.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestEmulator.psm1') -Force
    Import-Module (Get-TestModulePath) -Force
    $script:emu = Start-TestEmulator
    $script:work = Join-Path ([IO.Path]::GetTempPath()) ("vaultstaging-rel-" + [guid]::NewGuid().ToString('N'))
    $null = New-Item -ItemType Directory -Path $work
    $script:small = Join-Path $work 'small.bin'
    [IO.File]::WriteAllBytes($small, [byte[]](1..100))
    $script:small2 = Join-Path $work 'small2.bin'
    [IO.File]::WriteAllBytes($small2, [byte[]](1..50))
    $script:empty = Join-Path $work 'empty.bin'
    $null = New-Item -ItemType File -Path $empty
    # Sparse: 50,000,001 bytes without writing them.
    $script:large = Join-Path $work 'large.bin'
    $stream = [IO.File]::Create($large); $stream.SetLength(50000001); $stream.Dispose()

    function Get-Log {
        $log = Invoke-EmulatorControl -Path log
        foreach ($entry in $log) { $entry }
    }
}

AfterAll {
    Stop-TestEmulator $script:emu
    Remove-Item -Recurse -Force $script:work -ErrorAction SilentlyContinue
}

Describe 'Bad input' {
    BeforeAll {
        Reset-TestEmulator
        Connect-Vault -Vault $emu.BaseUrl -Credential $emu.Users['jane'].Credential
        $script:janeCred = $emu.Users['jane'].Credential
    }

    # Each case: what a user might type, and the parameter the error must name.
    It 'refuses <Case> with an error naming -<Parameter>, no stack trace, and no call that changes anything' -ForEach @(
        @{ Case = 'plain http to a real host'; Parameter = 'Vault'; Run = { Connect-Vault -Vault 'http://myvault.veevavault.com' -Credential $janeCred } }
        @{ Case = 'a vault address with a path'; Parameter = 'Vault'; Run = { Connect-Vault -Vault 'https://myvault.veevavault.com/ui/' -Credential $janeCred } }
        @{ Case = 'an ftp vault address'; Parameter = 'Vault'; Run = { Connect-Vault -Vault 'ftp://myvault.veevavault.com' -Credential $janeCred } }
        @{ Case = 'an empty vault'; Parameter = 'Vault'; Run = { Connect-Vault -Vault '' -Credential $janeCred } }
        @{ Case = 'an API version without v'; Parameter = 'ApiVersion'; Run = { Connect-Vault -Vault $emu.BaseUrl -Credential $janeCred -ApiVersion '26.1' } }
        @{ Case = 'a client id with spaces'; Parameter = 'ClientId'; Run = { Connect-Vault -Vault $emu.BaseUrl -Credential $janeCred -ClientId 'my tool' } }
        @{ Case = 'a zero timeout'; Parameter = 'TimeoutSec'; Run = { Connect-Vault -Vault $emu.BaseUrl -Credential $janeCred -TimeoutSec 0 } }
        @{ Case = 'a negative retry count'; Parameter = 'MaximumRetryCount'; Run = { Connect-Vault -Vault $emu.BaseUrl -Credential $janeCred -MaximumRetryCount -1 } }
        @{ Case = 'an empty token'; Parameter = 'Token'; Run = { Connect-Vault -Vault $emu.BaseUrl -Token ([securestring]::new()) } }
        @{ Case = 'a session id with spaces'; Parameter = 'SessionId'; Run = { Connect-Vault -Vault $emu.BaseUrl -SessionId (ConvertTo-SecureString 'abc def' -AsPlainText -Force) } }
        @{ Case = 'an empty upload session id'; Parameter = 'Id'; Run = { Get-VaultUploadSession -Id '' } }
        @{ Case = 'the id ..'; Parameter = 'Id'; Run = { Get-VaultUploadSession -Id '..' } }
        @{ Case = 'the id . for parts'; Parameter = 'Id'; Run = { Get-VaultUploadSessionPart -Id '.' } }
        @{ Case = 'a null connection'; Parameter = 'Connection'; Run = { Get-VaultUploadSession -Connection $null } }
        @{ Case = 'an empty staging path'; Parameter = 'Path'; Run = { New-VaultUploadSession -Path '' -Size 10 } }
        @{ Case = 'a folder as staging path'; Parameter = 'Path'; Run = { New-VaultUploadSession -Path '/folder/' -Size 10 } }
        @{ Case = 'a staging path with ..'; Parameter = 'Path'; Run = { New-VaultUploadSession -Path '/a/../b.bin' -Size 10 } }
        @{ Case = 'a zero size'; Parameter = 'Size'; Run = { New-VaultUploadSession -Path '/a.bin' -Size 0 } }
        @{ Case = 'a size over 500 GB'; Parameter = 'Size'; Run = { New-VaultUploadSession -Path '/a.bin' -Size 600GB } }
        @{ Case = 'committing the id ..'; Parameter = 'Id'; Run = { Complete-VaultUploadSession -Id '..' -Confirm:$false } }
        @{ Case = 'aborting the id ..'; Parameter = 'Id'; Run = { Remove-VaultUploadSession -Id '..' -Confirm:$false } }
        @{ Case = 'a missing local file'; Parameter = 'Path'; Run = { Send-VaultFile -Path (Join-Path $work 'nope.bin') -Destination '/x/' } }
        @{ Case = 'a local folder'; Parameter = 'Path'; Run = { Send-VaultFile -LiteralPath $work -Destination '/x/' } }
        @{ Case = 'an empty local file through an upload session'; Parameter = 'Path'; Run = { Send-VaultFile -Path $empty -Destination '/x/' -UploadMethod UploadSession } }
        @{ Case = 'a file over 50,000,000 bytes sent directly'; Parameter = 'UploadMethod'; Run = { Send-VaultFile -Path $large -Destination '/x/' -UploadMethod Direct } }
        @{ Case = 'a part size under 5 MiB'; Parameter = 'PartSize'; Run = { Send-VaultFile -Path $small -Destination '/x/' -PartSize 1MB } }
        @{ Case = 'a part size over 50 MiB'; Parameter = 'PartSize'; Run = { Send-VaultFile -Path $small -Destination '/x/' -PartSize 100MB } }
        @{ Case = 'a destination with ..'; Parameter = 'Destination'; Run = { Send-VaultFile -Path $small -Destination '/x/../y.bin' } }
        @{ Case = 'two files to one file name'; Parameter = 'Destination'; Run = { Send-VaultFile -Path $small, $small2 -Destination '/x/one.bin' } }
        @{ Case = 'an empty destination'; Parameter = 'Destination'; Run = { Send-VaultFile -Path $small -Destination '' } }
        @{ Case = 'a zero throttle limit'; Parameter = 'ThrottleLimit'; Run = { Send-VaultFile -Path $small -Destination '/x/' -ThrottleLimit 0 } }
        @{ Case = 'an API version the vault does not offer'; Parameter = 'ApiVersion'; Run = { Connect-Vault -Vault $emu.BaseUrl -Credential $janeCred -ApiVersion v99.1 } }
    ) {
        $null = Invoke-EmulatorControl -Method Delete -Path log
        $caught = @()
        try {
            & $Run -ErrorVariable nonTerminating -ErrorAction SilentlyContinue
            $caught += $nonTerminating
        } catch {
            $caught += $_
        }

        $caught.Count | Should -BeGreaterThan 0 -Because 'bad input must be an error'
        $record = $caught[0]
        $text = "$record"
        $text | Should -Match "\b$Parameter\b"
        $text | Should -Not -Match '\s+at \S+\(.*\)'              # no .NET stack trace
        $record.Exception | Should -Not -BeOfType ([NullReferenceException])
        @(Get-Log | Where-Object { $_.method -notin 'GET' -and $_.operation -notin 'auth', 'logout' }).Count | Should -Be 0
    }
}

Describe 'Sizes and errors that say what to do' {
    BeforeAll { Connect-Vault -Vault $emu.BaseUrl -Credential $janeCred }

    It 'refuses a file that API v26.1 cannot hold, before any call, pointing to -ApiVersion v26.2' {
        # 2000 parts of 50 MiB is what v26.1 takes; one byte more needs v26.2. Sparse: nothing is written.
        $huge = Join-Path $work 'huge.bin'
        $stream = [IO.File]::Create($huge); $stream.SetLength(2000L * 50MB + 1); $stream.Dispose()
        try {
            $null = Invoke-EmulatorControl -Method Delete -Path log
            Send-VaultFile -LiteralPath $huge -Destination '/x/' -ErrorVariable refused -ErrorAction SilentlyContinue
            $refused[0].FullyQualifiedErrorId | Should -BeLike 'InvalidArgument,*'
            "$($refused[0])" | Should -BeLike '*-ApiVersion v26.2*'
            @(Get-Log | Where-Object { $_.operation -ne 'auth' -and $_.operation -ne 'versions' }).Count | Should -Be 0
        } finally {
            Remove-Item $huge
        }
    }

    It 'refuses in New-VaultUploadSession the same size Send-VaultFile refuses, naming -Size, before any call' {
        $null = Invoke-EmulatorControl -Method Delete -Path log
        New-VaultUploadSession -Path '/x/huge.bin' -Size (2000L * 50MB + 1) -ErrorVariable refused -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $refused[0].FullyQualifiedErrorId | Should -BeLike 'InvalidArgument,*'
        "$($refused[0])" | Should -BeLike '-Size:*at most 2000 parts*-ApiVersion v26.2*'
        @(Get-Log | Where-Object { $_.operation -ne 'auth' -and $_.operation -ne 'versions' }).Count | Should -Be 0
    }

    It "keeps Vault's execution id in the error, where support asks for it" {
        $bobs = Invoke-EmulatorControl -Method Post -Path sessions -Body @{ owner = 10001500; path = '/u10001500/bob.bin'; size = 10 }
        Get-VaultUploadSession -Id $bobs.id -ErrorVariable denied -ErrorAction SilentlyContinue
        $denied[0].FullyQualifiedErrorId | Should -BeLike 'INSUFFICIENT_ACCESS,*'
        "$($denied[0])" | Should -Match 'Vault execution id [0-9a-f-]{36}\.'
    }
}

Describe 'Many users at once' {
    It 'gives every one of 8 runspaces, 50 calls each, only its own user''s sessions' {
        Reset-TestEmulator
        $users = foreach ($i in 1..8) {
            $name = "user$i@emulator.vault"
            $id = 20000000 + $i
            $null = Invoke-EmulatorControl -Method Post -Path users -Body @{ userName = $name; password = "Pass-$i-word!"; userId = $id; isAdmin = $false }
            $null = Invoke-EmulatorControl -Method Post -Path sessions -Body @{ owner = $id; path = "/u$id/mine-$i.bin"; size = 1000 + $i }
            [pscustomobject]@{ Name = $name; Password = "Pass-$i-word!"; Id = $id; Size = 1000 + $i }
        }
        $module = Get-TestModulePath
        $url = $emu.BaseUrl

        $answers = $users | ForEach-Object -ThrottleLimit 8 -Parallel {
            Import-Module $using:module
            $u = $_
            $c = Connect-Vault -Vault $using:url -PassThru -Credential ([pscredential]::new($u.Name, (ConvertTo-SecureString $u.Password -AsPlainText -Force)))
            foreach ($call in 1..50) {
                $got = @(Get-VaultUploadSession -Connection $c)
                [pscustomobject]@{ User = $u.Id; Size = $u.Size; Owners = @($got.Owner | Sort-Object -Unique); Sizes = @($got.Size); Count = $got.Count }
            }
        }

        $answers.Count | Should -Be 400
        foreach ($a in $answers) {
            $a.Count | Should -Be 1
            $a.Owners | Should -Be @($a.User)
            $a.Sizes | Should -Be @($a.Size)
        }
    }
}

Describe 'Secrets under faults' {
    It 'never shows the password, session id or token, in any stream, error or transcript, for any cmdlet' {
        Reset-TestEmulator
        $jane = $emu.Users['jane']
        $transcript = Join-Path $work 'secrets-transcript.txt'
        $file = Join-Path $work 'secret-upload.bin'
        [IO.File]::WriteAllBytes($file, [byte[]]::new(6MB))
        # Failures on every kind of call: retried ones and ones that surface as errors.
        foreach ($fault in @(
                @{ kind = 'http-status'; operation = 'list'; status = 503 }
                @{ kind = 'expire-session'; operation = 'details' }
                @{ kind = 'truncate'; operation = 'upload'; apply = $true }
                @{ kind = 'drop'; operation = 'commit'; apply = $true }
                @{ kind = 'http-status'; operation = 'parts'; status = 500 })) {
            $null = Invoke-EmulatorControl -Method Post -Path faults -Body $fault
        }

        $rawSession = New-TestVaultSession -User jane
        $null = Start-Transcript -Path $transcript
        $all = & {
            $ErrorActionPreference = 'Continue'   # errors are part of what is scanned: keep going
            $c = Connect-Vault -Vault $emu.BaseUrl -Credential $jane.Credential -PassThru -Verbose -Debug -RetryIntervalSec 1
            Get-VaultConnection -Verbose -Debug
            $c | Format-List * | Out-String
            $s = Get-VaultUploadSession -Verbose -Debug
            Get-VaultUploadSession -Id $s[0].Id -Verbose -Debug
            Get-VaultUploadSessionPart -Id $s[2].Id -Verbose -Debug
            $new = New-VaultUploadSession -Path '/secret/new.bin' -Size 100 -Verbose -Debug
            Complete-VaultUploadSession -Id $new.Id -Verbose -Debug -Confirm:$false
            Remove-VaultUploadSession -Id $new.Id -Verbose -Debug -Confirm:$false
            Send-VaultFile -Path $file -Destination '/secret/' -Verbose -Debug -PassThru
            Get-VaultUploadSession -Id 'no-such-id' -Verbose -Debug
            Connect-Vault -Vault $emu.BaseUrl -Token (ConvertTo-SecureString $jane.Token -AsPlainText -Force) -Verbose -Debug -PassThru
            Get-VaultUploadSession -Verbose -Debug | Out-Null
            try { Connect-Vault -Vault $emu.BaseUrl -Token (ConvertTo-SecureString 'veeva-vault-wrong-token' -AsPlainText -Force) -Verbose -Debug } catch { $_ }
            # A connection made from an existing session id, whose session then dies mid-run.
            Connect-Vault -Vault $emu.BaseUrl -SessionId (ConvertTo-SecureString $rawSession -AsPlainText -Force) -Verbose -Debug -PassThru
            Get-VaultUploadSession -Verbose -Debug
            $null = Invoke-EmulatorControl -Method Post -Path faults -Body @{ kind = 'expire-session'; operation = 'list' }
            try { Get-VaultUploadSession -Verbose -Debug } catch { $_ }
            Disconnect-Vault -Verbose -Debug
        } *>&1 2>&1
        $null = Stop-Transcript

        # The password connection's own session id never leaves the module, so the session-id connection
        # stands for that kind of secret: its id is known to the test.
        $secrets = @($jane.Password, $jane.Token, 'veeva-vault-wrong-token', $rawSession)
        $haystack = @(
            ($all | Out-String -Width 500)
            ($all | ForEach-Object { if ($_ -is [Management.Automation.ErrorRecord]) { $_.Exception.ToString(); $_.ErrorDetails.Message } })
            ($Error | ForEach-Object { "$_"; $_.Exception.ToString() })
            (Get-Content -Raw $transcript)
        ) -join "`n"

        $haystack.Length | Should -BeGreaterThan 1000 -Because 'the streams were captured'
        $haystack | Should -Match 'VERBOSE|DEBUG|Request:' -Because 'verbose and debug were on'
        foreach ($secret in $secrets) {
            $haystack.Contains($secret) | Should -BeFalse -Because "a secret of $($secret.Length) characters must not appear"
        }
    }
}
