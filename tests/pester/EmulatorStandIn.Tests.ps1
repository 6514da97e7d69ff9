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
