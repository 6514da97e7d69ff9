# A vault behind an authenticating proxy, end to end in a fresh pwsh: the emulator on https with a test
# certificate for vault.test, a name only the test proxy (run beside the emulator) resolves, so no DNS and no
# loopback bypass can take a call around it. The child pwsh trusts the certificate through SSL_CERT_FILE
# (OpenSSL's variable, read on Linux), as a user would trust a corporate CA.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestEmulator.psm1') -Force
    $script:ModulePath = Get-TestModulePath
    $script:Cert = New-TestCertificate -HostName 'vault.test'
    $script:ProxyUser = 'proxy-user'
    $script:ProxyPassword = 'Pr0xy-Pass!word-19'
    $proxyFile = Join-Path ([IO.Path]::GetTempPath()) ('vaultstaging-proxy-{0}.url' -f [guid]::NewGuid().ToString('N'))
    $script:Emu = Start-TestEmulator -ArgumentList '--urls', 'https://127.0.0.1:0', '--tls-cert', $Cert.CertificatePath, '--tls-key', $Cert.KeyPath,
        '--proxy-port-file', $proxyFile, '--proxy-user', $ProxyUser, '--proxy-password', $ProxyPassword
    $script:Proxy = (Get-Content -Raw $proxyFile).Trim()
    Remove-Item $proxyFile
    $script:Vault = 'https://vault.test:{0}' -f ([uri]$Emu.BaseUrl).Port
    $script:Work = Join-Path ([IO.Path]::GetTempPath()) ('vaultstaging-proxy-' + [guid]::NewGuid().ToString('N').Substring(0, 12))
    $null = New-Item -ItemType Directory -Path $Work

    # The child: connects as -Mode says, runs a Send, a listing and a Receive, reading the proxy's counts after
    # each, and prints one JSON line last. Everything it wrote (every stream) comes back for the secret scan.
    $script:Probe = Join-Path $Work 'probe.ps1'
    Set-Content -LiteralPath $Probe -Value @'
param($ModulePath, $Vault, $Proxy, $ProxyUser, $ProxyPassword, $User, $Password, $Folder, $Mode)
$ErrorActionPreference = 'Stop'
Import-Module $ModulePath
function Stats { Invoke-RestMethod -Uri ($Proxy + '_proxy/stats') -NoProxy }
$credential = [pscredential]::new($User, (ConvertTo-SecureString $Password -AsPlainText -Force))
$proxyCredential = [pscredential]::new($ProxyUser, (ConvertTo-SecureString $ProxyPassword -AsPlainText -Force))
$result = [ordered]@{}
$refusedBefore = (Stats).refused
try {
    switch ($Mode) {
        'Parameter' { $c = Connect-Vault -Vault $Vault -Credential $credential -Proxy $Proxy -ProxyCredential $proxyCredential -PassThru -MaximumRetryCount 2 -RetryIntervalSec 1 }
        'System'    { $c = Connect-Vault -Vault $Vault -Credential $credential -PassThru }
        'NoProxy'   { $c = Connect-Vault -Vault $Vault -Credential $credential -NoProxy -PassThru -MaximumRetryCount 0 }
    }
    $result.Proxy = $c.Proxy
    $result.ProxyUserName = $c.ProxyUserName
    $result.Connection = ($c | Format-List * | Out-String)
    $s0 = Stats
    $null = Send-VaultFile -Path (Join-Path $Folder 'up/a.bin') -Destination /viaproxy/ -Overwrite
    $s1 = Stats
    $result.Listed = @(Get-VaultStagingItem /viaproxy).Name
    $s2 = Stats
    $down = New-Item -ItemType Directory -Force -Path (Join-Path $Folder 'down')
    $null = Receive-VaultFile -Path /viaproxy/a.bin -Destination $down.FullName -Force
    $s3 = Stats
    $result.Up = $s1.bytesToServer - $s0.bytesToServer
    $result.ListedBytes = $s2.bytesToClient - $s1.bytesToClient
    $result.Down = $s3.bytesToClient - $s2.bytesToClient
    $result.Same = (Get-FileHash (Join-Path $Folder 'up/a.bin')).Hash -eq (Get-FileHash (Join-Path $Folder 'down/a.bin')).Hash
    # Test-VaultConnection's Reach names the proxy this connection uses (the vault's name only the proxy resolves).
    $reach = Test-VaultConnection -ReadOnly | Where-Object Check -EQ 'Reach'
    $result.ReachResult = "$($reach.Result)"
    $result.ReachObserved = $reach.Observed
    $result.ReachDetail = $reach.Detail
} catch {
    $result.ErrorId = $_.FullyQualifiedErrorId
    $result.Category = "$($_.CategoryInfo.Category)"
    $result.Message = "$_"
    $result.Refused = (Stats).refused - $refusedBefore
}
$result | ConvertTo-Json -Compress
'@

    # Runs the probe in a fresh pwsh that trusts the test certificate; returns { Result; Output }.
    function Invoke-Probe([string] $Mode, [string] $ProxyPassword = $script:ProxyPassword, [string] $HttpsProxy) {
        $folder = Join-Path $script:Work $Mode
        $null = New-TestFile -Folder (Join-Path $folder 'up') -Name 'a.bin' -Bytes 200000 -Seed 19
        $admin = $script:Emu.Users.admin
        $saved = $env:SSL_CERT_FILE, $env:HTTPS_PROXY
        try {
            $env:SSL_CERT_FILE = $script:Cert.CertificatePath
            $env:HTTPS_PROXY = $HttpsProxy
            $output = & dotnet (Join-Path $PSHOME 'pwsh.dll') -NoProfile -NonInteractive -File $script:Probe `
                $script:ModulePath $script:Vault $script:Proxy $script:ProxyUser $ProxyPassword $admin.UserName $admin.Password $folder $Mode *>&1
        } finally {
            $env:SSL_CERT_FILE, $env:HTTPS_PROXY = $saved
        }
        $text = ($output | ForEach-Object { "$_" }) -join "`n"
        [pscustomobject]@{ Result = ($output | Select-Object -Last 1 | ForEach-Object { "$_" } | ConvertFrom-Json); Output = $text }
    }
}

AfterAll {
    Stop-TestEmulator $script:Emu
    Remove-Item -Recurse -Force $script:Work, $script:Cert.Folder -ErrorAction SilentlyContinue
}

Describe 'Connect-Vault through a proxy' {
    It 'with -Proxy and -ProxyCredential: the Send, the listing and the Receive all pass through the proxy' {
        $run = Invoke-Probe -Mode Parameter
        $r = $run.Result
        $r.PSObject.Properties.Name | Should -Not -Contain 'ErrorId' -Because $run.Output
        $r.Proxy | Should -Be $script:Proxy
        $r.ProxyUserName | Should -Be $script:ProxyUser
        $r.Up | Should -BeGreaterThan 200000
        $r.Listed | Should -Contain 'a.bin'
        $r.ListedBytes | Should -BeGreaterThan 0
        $r.Down | Should -BeGreaterThan 200000
        $r.Same | Should -BeTrue
        $r.ReachResult | Should -Be 'Passed' -Because $r.ReachDetail
        $r.ReachObserved | Should -Be 'https, proxy'
        $r.ReachDetail | Should -Match ([regex]::Escape("-Proxy, $(([uri]$script:Proxy).Scheme)://$(([uri]$script:Proxy).Authority) carries the calls"))
        $run.Output | Should -Not -Match ([regex]::Escape($script:ProxyPassword))
    }

    It 'without parameters takes the system proxy (HTTPS_PROXY, its user and password in the address) and shows it without the password' {
        $withUser = $script:Proxy -replace '^http://', ('http://{0}:{1}@' -f $script:ProxyUser, [uri]::EscapeDataString($script:ProxyPassword))
        $run = Invoke-Probe -Mode System -HttpsProxy $withUser
        $r = $run.Result
        $r.PSObject.Properties.Name | Should -Not -Contain 'ErrorId' -Because $run.Output
        $r.Proxy | Should -Be "$($script:Proxy) (system setting)"
        $r.Up | Should -BeGreaterThan 200000
        $r.Down | Should -BeGreaterThan 200000
        $run.Output | Should -Not -Match ([regex]::Escape($script:ProxyPassword))
        $run.Output | Should -Not -Match ([regex]::Escape([uri]::EscapeDataString($script:ProxyPassword)))
    }

    It '-NoProxy goes straight to the vault, where vault.test does not resolve' {
        $run = Invoke-Probe -Mode NoProxy -HttpsProxy $script:Proxy
        $run.Result.ErrorId | Should -BeLike 'TRANSPORT_ERROR*'
    }

    It 'a wrong proxy password fails at once with PROXY_AUTHENTICATION_REQUIRED, naming the proxy and -ProxyCredential, and no secret shows' {
        $wrong = 'Wr0ng-Proxy-Secret!'
        Reset-TestEmulator
        $run = Invoke-Probe -Mode Parameter -ProxyPassword $wrong
        $r = $run.Result
        $r.ErrorId | Should -BeLike 'PROXY_AUTHENTICATION_REQUIRED,*'
        $r.Category | Should -Be 'AuthenticationError'
        $r.Message | Should -Match ([regex]::Escape($script:Proxy))
        $r.Message | Should -Match '-ProxyCredential'
        $r.Message | Should -Not -Match 'USERNAME_OR_PASSWORD_INCORRECT|user name and password given to -Credential'
        # Not retried (-MaximumRetryCount 2 would ask the proxy again): .NET asks without, then with, the credential.
        $r.Refused | Should -BeLessOrEqual 2
        $run.Output | Should -Not -Match ([regex]::Escape($wrong))
        $run.Output | Should -Not -Match ([regex]::Escape($script:Emu.Users.admin.Password))
        @(Get-EmulatorLog | Where-Object operation -EQ 'auth').Count | Should -Be 0 -Because 'Vault was never reached'
    }
}
