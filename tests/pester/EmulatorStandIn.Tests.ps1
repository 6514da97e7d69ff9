#Requires -Version 7.0
# The emulator as a stand-in for a vault (issue 20): https for clients that insist on it, absolute non-admin paths
# accepted back in requests, and upload sessions that survive a restart over the same --staging-root. Real pwsh,
# the built module, the emulator as a child process.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestEmulator.psm1') -Force
    Import-Module (Get-TestModulePath) -Force
    $ProgressPreference = 'SilentlyContinue'
    $script:ModulePath = Get-TestModulePath
}

Describe 'Over https (--tls-cert, --tls-key)' {
    BeforeAll {
        $script:Emu = Start-TestEmulator -Https -ArgumentList '--list-page-size', '1'
        $script:Work = Join-Path $TestDrive 'https'
        $null = New-Item -ItemType Directory -Path $Work
        $script:Small = New-TestFile -Folder $Work -Name 'small.bin' -Bytes 100000 -Seed 7
        $script:Large = New-TestFile -Folder $Work -Name 'large.bin' -Bytes 52MB -Seed 8
    }
    AfterAll { Stop-TestEmulator $script:Emu }

    It 'serves https, and every link it answers says https' {
        $Emu.BaseUrl | Should -BeLike 'https://127.0.0.1:*'
        $token = $Emu.Users.jane.Token
        (Invoke-RawVault -Authorization "Bearer $token").responseDetails.next_page | Should -BeLike "$($Emu.BaseUrl)/api/*"
    }

    It 'a fresh pwsh that trusts its certificate (SSL_CERT_FILE) connects, lists, sends and receives with the module' {
        $script_ = @"
`$ErrorActionPreference = 'Stop'
`$ProgressPreference = 'SilentlyContinue'
Import-Module '$ModulePath'
`$credential = [pscredential]::new('$($Emu.Users.jane.UserName)', (ConvertTo-SecureString '$($Emu.Users.jane.Password)' -AsPlainText -Force))
Connect-Vault -Vault '$($Emu.BaseUrl)' -Credential `$credential
`$sessions = @(Get-VaultUploadSession)
`$sent = @(Send-VaultFile -Path '$Small', '$Large' -Destination '/secure/' -PassThru -Wait)
`$listed = @(Get-VaultStagingItem /secure -Recurse)
`$received = @(Receive-VaultFile -Path /secure -Recurse -Destination '$Work/down' -PassThru)
[pscustomobject]@{
    Sessions = `$sessions.Count
    Sent     = @(`$sent | ForEach-Object { "`$(`$_.Destination) `$(`$_.Status) `$(`$_.Method)" })
    Listed   = @(`$listed.Path)
    Received = @(`$received | ForEach-Object { "`$(`$_.LocalPath) `$(`$_.Status)" })
} | ConvertTo-Json -Depth 4
"@
        $run = Invoke-TestPwsh -Command $script_ -Environment @{ SSL_CERT_FILE = $Emu.CertificateFile; SSL_CERT_DIR = $Emu.CertificateFile + '.none' }
        $run.ExitCode | Should -Be 0 -Because $run.Errors
        $answer = $run.Output | ConvertFrom-Json
        $answer.Sessions | Should -Be 3 -Because 'the seed''s three sessions come one page each, following https next_page links'
        $answer.Sent | Sort-Object | Should -Be @('/secure/large.bin Staged UploadSession', '/secure/small.bin Staged Direct')
        $answer.Listed | Sort-Object | Should -Be @('/secure/large.bin', '/secure/small.bin')
        $answer.Received.Count | Should -Be 2
        Get-TestSha256 (Join-Path $Work 'down/large.bin') | Should -Be (Get-TestSha256 $Large)
        Get-TestSha256 (Join-Path $Work 'down/small.bin') | Should -Be (Get-TestSha256 $Small)
    }

    It 'a pwsh that does not trust the certificate gets an error from Connect-Vault, and sends no password' {
        $null = Invoke-EmulatorControl -Method Delete -Path log
        $script_ = @"
Import-Module '$ModulePath'
`$credential = [pscredential]::new('$($Emu.Users.jane.UserName)', (ConvertTo-SecureString '$($Emu.Users.jane.Password)' -AsPlainText -Force))
try { Connect-Vault -Vault '$($Emu.BaseUrl)' -Credential `$credential -MaximumRetryCount 0 -ErrorAction Stop; 'CONNECTED' } catch { 'REFUSED: ' + `$_.FullyQualifiedErrorId }
"@
        $run = Invoke-TestPwsh -Command $script_
        $run.Output | Should -Match 'REFUSED'
        $run.Output | Should -Not -Match 'CONNECTED'
        @(Get-EmulatorLog | Where-Object operation -EQ 'auth').Count | Should -Be 0
    }
}

Describe 'A non-admin whose paths are answered from the root (--non-admin-paths absolute)' {
    BeforeAll {
        $script:Emu = Start-TestEmulator -ArgumentList '--non-admin-paths', 'absolute', '--item-job-duration-ms', '0'
        foreach ($f in 'one.txt', 'sub/two.txt') {
            $null = Invoke-EmulatorControl -Method Post -Path items -Body @{ path = "/u10001400/t/$f"; kind = 'file'; size = 10 }
        }
        Connect-Vault -Vault $Emu.BaseUrl -Credential $Emu.Users.jane.Credential
        $script:Work = Join-Path $TestDrive 'absolute'
        $null = New-Item -ItemType Directory -Path $Work
    }
    AfterAll {
        Disconnect-Vault -ErrorAction SilentlyContinue
        Stop-TestEmulator $script:Emu
    }

    It 'takes a path written from the root, as the vault answers it, and reaches the same items' {
        $token = $Emu.Users.jane.Token
        $answered = @((Invoke-RawVault -Authorization "Bearer $token" -Path 'services/file_staging/items/t?recursive=true').data.path)
        $answered | Should -Contain '/u10001400/t/sub/two.txt'

        @(Get-VaultStagingItem /u10001400/t -Recurse).Path | Sort-Object | Should -Be @('/t/one.txt', '/t/sub', '/t/sub/two.txt')
        (Get-VaultStagingItem /u10001400/t/sub/two.txt).Size | Should -Be 10
        $down = @(Receive-VaultFile -Path '/u10001400/t/sub/two.txt', '/u10001400/t/one.txt' -Destination "$Work/" -PassThru)
        $down.Status | Should -Be @('Downloaded', 'Downloaded')
        $sent = Send-VaultFile -Path (New-TestFile -Folder $Work -Name 'new.txt' -Bytes 20) -Destination /u10001400/t/sub/new.txt -PassThru
        $sent.Status | Should -Be 'Staged'
        (Get-StagedFile '/u10001400/t/sub/new.txt').size | Should -Be 20
        (Get-StagedFile '/u10001400/u10001400/t/sub/new.txt').exists | Should -BeFalse
        Remove-VaultStagingItem /u10001400/t/sub -Recurse -Confirm:$false
        (Get-StagedFile '/u10001400/t/sub/two.txt').exists | Should -BeFalse
    }
}

Describe 'Upload sessions across an emulator restart (--staging-root)' {
    BeforeAll {
        $script:Root = Join-Path $TestDrive 'staging-root'
        $script:Work = Join-Path $TestDrive 'restart'
        $null = New-Item -ItemType Directory -Path $Work
        $script:File = New-TestFile -Folder $Work -Name 'resumed.bin' -Bytes 60MB -Seed 21
    }
    AfterAll {
        Disconnect-Vault -ErrorAction SilentlyContinue
        if ($script:Emu) { Stop-TestEmulator $script:Emu }
    }

    It 'Send-VaultFile run again after the server came back resumes the session it kept, sending only the parts it lacks' {
        $script:Emu = Start-TestEmulator -ArgumentList '--staging-root', $Root, '--no-seed'
        Connect-Vault -Vault $Emu.BaseUrl -Credential $Emu.Users.jane.Credential -MaximumRetryCount 0
        # Parts 1 and 2 arrive; part 3 is refused until the server goes away.
        $null = Invoke-EmulatorControl -Method Post -Path faults -Body @{ kind = 'http-status'; status = 400; operation = 'upload'; partNumber = 3; count = -1 }
        $null = Send-VaultFile -Path $File -Destination /resumed.bin -ErrorAction SilentlyContinue -ErrorVariable failed -WarningAction SilentlyContinue
        $failed | Should -Not -BeNullOrEmpty
        $before = @(Get-VaultUploadSession)
        $before.Count | Should -Be 1
        Disconnect-Vault
        Stop-TestEmulator $Emu
        $script:Emu = $null

        $script:Emu = Start-TestEmulator -ArgumentList '--staging-root', $Root, '--no-seed'
        Connect-Vault -Vault $Emu.BaseUrl -Credential $Emu.Users.jane.Credential
        $after = @(Get-VaultUploadSession)
        $after.Id | Should -Be $before.Id
        $after.Path | Should -Be '/resumed.bin'
        $after.UploadedParts | Should -Be 2
        @(Get-VaultUploadSessionPart -Id $after.Id).PartNumber | Should -Be @(1, 2)

        $result = Send-VaultFile -Path $File -Destination /resumed.bin -Wait -PassThru
        $result.Status | Should -Be 'Staged'
        $sentParts = @(Get-EmulatorLog | Where-Object operation -EQ 'upload' | ForEach-Object partNumber | Sort-Object -Unique)
        $sentParts | Should -Be @(3..12) -Because 'the parts the kept session held were not sent again'
        @(Get-EmulatorLog | Where-Object operation -EQ 'create').Count | Should -Be 0
        (Get-StagedFile '/u10001400/resumed.bin').sha256 | Should -Be (Get-TestSha256 $File)
        @(Get-VaultUploadSession).Count | Should -Be 0
    }
}
