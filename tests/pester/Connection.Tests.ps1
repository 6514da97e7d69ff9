# Connect-Vault, Get-VaultConnection, Disconnect-Vault and the per-runspace default connection,
# end to end: the staged module (out/VaultStaging) against the emulator as a child process.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestEmulator.psm1') -Force
    $script:ModulePath = Get-TestModulePath
    Import-Module $script:ModulePath -Force
    $script:Emu = Start-TestEmulator
    $script:Base = $script:Emu.BaseUrl

    # The error a command ended with (terminating or not), or $null.
    function Get-CommandError([scriptblock] $Command) {
        $ErrorActionPreference = 'Stop'   # the first error, terminating or not, ends the command here
        try { $null = & $Command } catch { return $_ }
        $null
    }
    function Get-EmulatorLog { $log = Invoke-EmulatorControl -Path log; $log }
}

AfterAll {
    Disconnect-Vault -ErrorAction SilentlyContinue
    Stop-TestEmulator $script:Emu
}

Describe 'Connect-Vault' {
    BeforeEach {
        Disconnect-Vault -ErrorAction SilentlyContinue
        Reset-TestEmulator
    }

    It 'logs in with -Credential, writes nothing to the output and becomes the default connection' {
        $started = Get-Date
        $out = Connect-Vault -Vault $Base -Credential $Emu.Users.admin.Credential
        $out | Should -BeNullOrEmpty

        $c = Get-VaultConnection
        $c | Should -BeOfType ([VaultStaging.VaultConnection])
        $c.UserName | Should -Be 'admin@emulator.vault'
        $c.UserId | Should -Be 10001000
        $c.VaultId | Should -Be 1000
        $c.VaultName | Should -Be 'Emulator Vault'
        $c.ApiVersion | Should -Be 'v26.1'
        "$($c.AuthenticationMethod)" | Should -Be 'Password'
        $c.IsConnected | Should -BeTrue
        $c.ConnectedAt | Should -BeGreaterOrEqual $started.AddSeconds(-1)
        $c.ConnectedAt | Should -BeLessOrEqual (Get-Date).AddSeconds(1)

        @(Get-EmulatorLog | Where-Object operation -EQ 'auth' | Where-Object responseStatus -EQ 'SUCCESS').Count | Should -Be 1
        @(Get-VaultUploadSession).Count | Should -Be 3
    }

    It '-PassThru returns the connection, the same one Get-VaultConnection shows' {
        $c = Connect-Vault -Vault $Base -Credential $Emu.Users.jane.Credential -PassThru
        @($c).Count | Should -Be 1
        $c | Should -BeOfType ([VaultStaging.VaultConnection])
        $c.UserName | Should -Be 'jane@emulator.vault'
        $c.UserId | Should -Be 10001400
        (Get-VaultConnection).UserName | Should -Be 'jane@emulator.vault'
        [object]::ReferenceEquals((Get-VaultConnection), $c) | Should -BeTrue
    }

    It 'uses an API token with -Token as a Bearer token, without a login call' {
        $c = Connect-Vault -Vault $Base -Token (ConvertTo-SecureText $Emu.Users.jane.Token) -PassThru
        "$($c.AuthenticationMethod)" | Should -Be 'Token'
        $c.UserId | Should -Be 10001400
        $c.VaultId | Should -Be 1000

        $sessions = @(Get-VaultUploadSession)
        $sessions.Count | Should -Be 3
        $sessions.Owner | Sort-Object -Unique | Should -Be 10001400

        $log = @(Get-EmulatorLog)
        @($log | Where-Object operation -EQ 'auth').Count | Should -Be 0
        @($log | Where-Object operation -EQ 'list').authScheme | Should -Be 'bearer'
    }

    It 'uses an existing session with -SessionId, checked with one call and no login' {
        $sid = New-TestVaultSession -User bob
        $null = Invoke-EmulatorControl -Method Delete -Path log
        $c = Connect-Vault -Vault $Base -SessionId (ConvertTo-SecureText $sid) -PassThru
        "$($c.AuthenticationMethod)" | Should -Be 'SessionId'
        $c.UserId | Should -Be 10001500
        $c.VaultId | Should -Be 1000

        $log = @(Get-EmulatorLog)
        @($log | Where-Object operation -EQ 'auth').Count | Should -Be 0
        $log.Count | Should -Be 1   # the check
        @(Get-VaultUploadSession).Count | Should -Be 0   # bob has no sessions
    }

    It 'refuses a -SessionId that Vault does not know, with INVALID_SESSION_ID, and stays disconnected' {
        $err = Get-CommandError { Connect-Vault -Vault $Base -SessionId (ConvertTo-SecureText 'no-such-session-id') -MaximumRetryCount 0 }
        $err | Should -Not -BeNullOrEmpty
        $err.FullyQualifiedErrorId | Should -BeLike 'INVALID_SESSION_ID*'
        Get-VaultConnection | Should -BeNullOrEmpty
    }

    It 'refuses a wrong password with USERNAME_OR_PASSWORD_INCORRECT' {
        $bad = [pscredential]::new('admin@emulator.vault', (ConvertTo-SecureText 'Wrong-Pass!word9'))
        $err = Get-CommandError { Connect-Vault -Vault $Base -Credential $bad -MaximumRetryCount 0 }
        $err | Should -Not -BeNullOrEmpty
        $err.FullyQualifiedErrorId | Should -BeLike 'USERNAME_OR_PASSWORD_INCORRECT*'
        "$err" | Should -Not -BeNullOrEmpty
        Get-VaultConnection | Should -BeNullOrEmpty
    }

    It 'refuses a login that Vault answered with a session for another vault (WRONG_VAULT)' {
        $err = Get-CommandError { Connect-Vault -Vault $Base -Credential $Emu.Users.outsider.Credential -MaximumRetryCount 0 }
        $err | Should -Not -BeNullOrEmpty
        $err.FullyQualifiedErrorId | Should -BeLike 'WRONG_VAULT*'
        # The message says which vault was asked for, so the user can tell what went wrong.
        "$err" | Should -Match ([regex]::Escape(([uri]$Base).Authority))
        Get-VaultConnection | Should -BeNullOrEmpty
        # The login itself did succeed on the server: it is the module that refused it.
        @(Get-EmulatorLog | Where-Object { $_.operation -eq 'auth' -and $_.responseStatus -eq 'SUCCESS' }).Count | Should -Be 1
    }

    It 'sends Accept, the -ClientId and a User-Agent naming the module on every call' {
        Connect-Vault -Vault $Base -Credential $Emu.Users.admin.Credential -ClientId 'pester-tests_1.0'
        $null = Get-VaultUploadSession
        $null = Get-VaultUploadSession -Id (Get-VaultUploadSession | Select-Object -First 1).Id
        $log = @(Get-EmulatorLog)
        $log.Count | Should -BeGreaterOrEqual 4
        foreach ($entry in $log) {
            $entry.clientId | Should -Be 'pester-tests_1.0'
            $entry.accept | Should -Match 'application/json'
            $entry.userAgent | Should -Match 'VaultStaging/0\.1'
        }
    }

    It 'has a default client id naming the module' {
        Connect-Vault -Vault $Base -Credential $Emu.Users.admin.Credential
        $log = @(Get-EmulatorLog)
        $log[0].clientId | Should -Match 'VaultStaging'
        $log[0].clientId | Should -Match '^[A-Za-z0-9._-]{1,100}$'
    }

    It 'refuses a -ClientId Vault would not accept (<ClientId>) before calling Vault' -TestCases @(
        @{ ClientId = 'has spaces' }
        @{ ClientId = 'semi;colon' }
        @{ ClientId = 'x' * 101 }
    ) {
        { Connect-Vault -Vault $Base -Credential $Emu.Users.admin.Credential -ClientId $ClientId -ErrorAction Stop } | Should -Throw
        @(Get-EmulatorLog).Count | Should -Be 0
        Get-VaultConnection | Should -BeNullOrEmpty
    }

    It 'uses -ApiVersion in the URLs it calls' {
        Connect-Vault -Vault $Base -Credential $Emu.Users.admin.Credential -ApiVersion 'v25.2'
        $null = Get-VaultUploadSession
        (Get-VaultConnection).ApiVersion | Should -Be 'v25.2'
        @(Get-EmulatorLog | Where-Object operation -In 'auth', 'list').path | ForEach-Object { $_ | Should -Match '^/api/v25\.2/' }
    }

    Context '-Vault' {
        It 'refuses plain http to a host that is not loopback (<Vault>), saying why' -TestCases @(
            @{ Vault = 'http://myvault.veevavault.com' }
            @{ Vault = 'http://10.20.30.40:8080' }
        ) {
            $err = Get-CommandError { Connect-Vault -Vault $Vault -Credential $Emu.Users.admin.Credential -MaximumRetryCount 0 }
            $err | Should -Not -BeNullOrEmpty
            $err.FullyQualifiedErrorId | Should -BeLike 'InvalidArgument*'
            "$err" | Should -Match 'https'
            "$err" | Should -Match 'loopback|localhost|127\.0\.0\.1'
            Get-VaultConnection | Should -BeNullOrEmpty
        }

        It 'refuses an address with a path (<Vault>)' -TestCases @(
            @{ Vault = 'https://myvault.veevavault.com/api/v26.1' }
            @{ Vault = 'myvault.veevavault.com/some/folder' }
        ) {
            $err = Get-CommandError { Connect-Vault -Vault $Vault -Credential $Emu.Users.admin.Credential -MaximumRetryCount 0 }
            $err | Should -Not -BeNullOrEmpty
            $err.FullyQualifiedErrorId | Should -BeLike 'InvalidArgument*'
            "$err" | Should -Match 'path'
        }

        It 'fails at once, without retries, on a port that refuses, naming what happened and what to check' {
            $listener = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0)
            $listener.Start(); $free = $listener.LocalEndpoint.Port; $listener.Stop()
            $script:err = $null
            $all = & { try { Connect-Vault -Vault "http://127.0.0.1:$free" -Credential $Emu.Users.admin.Credential -MaximumRetryCount 5 -Verbose } catch { $script:err = $_ } } 4>&1
            $err = $script:err
            $err.FullyQualifiedErrorId | Should -BeLike 'TRANSPORT_ERROR*'
            "$err" | Should -BeLike "*127.0.0.1:$free failed: the connection was refused*Check -Vault*"
            @($all | Where-Object { $_ -is [Management.Automation.VerboseRecord] -and $_.Message -like '*Retry 1 of*' }).Count | Should -Be 0
            Get-VaultConnection | Should -BeNullOrEmpty
        }

        It 'fails at once on https to a loopback port that answers plain http, saying to use http://' {
            $port = ([uri]$Base).Port
            $script:err = $null
            $all = & { try { Connect-Vault -Vault "https://127.0.0.1:$port" -Credential $Emu.Users.admin.Credential -MaximumRetryCount 5 -Verbose } catch { $script:err = $_ } } 4>&1
            $err = $script:err
            $err.FullyQualifiedErrorId | Should -BeLike 'TRANSPORT_ERROR*'
            "$err" | Should -BeLike '*the https (TLS) handshake did not succeed*'
            "$err" | Should -BeLike "*answers plain http, not https: connect with -Vault http://127.0.0.1:$port*"
            @($all | Where-Object { $_ -is [Management.Automation.VerboseRecord] -and $_.Message -like '*Retry 1 of*' }).Count | Should -Be 0
            @(Get-EmulatorLog | Where-Object operation -eq 'auth').Count | Should -Be 0
        }

        It 'accepts plain http to loopback given as localhost' {
            $port = ([uri]$Base).Port
            $c = Connect-Vault -Vault "http://localhost:$port" -Credential $Emu.Users.admin.Credential -PassThru
            $c.IsConnected | Should -BeTrue
            @(Get-VaultUploadSession).Count | Should -Be 3
        }
    }
}

Describe 'No connection' {
    BeforeEach { Disconnect-Vault -ErrorAction SilentlyContinue }

    It 'Get-VaultUploadSession <Arguments> is a terminating NotConnected error that says to run Connect-Vault' -TestCases @(
        @{ Arguments = '(no arguments)'; Splat = @{} }
        @{ Arguments = '-Id x'; Splat = @{ Id = 'x' } }
    ) {
        $reached = $false
        $caught = $null
        try {
            Get-VaultUploadSession @Splat -ErrorAction SilentlyContinue
            $reached = $true
        } catch {
            $caught = $_
        }
        $reached | Should -BeFalse -Because 'the error is terminating, even with -ErrorAction SilentlyContinue'
        $caught.FullyQualifiedErrorId | Should -BeLike 'NotConnected*'
        "$caught $($caught.ErrorDetails.RecommendedAction)" | Should -Match 'Connect-Vault'
    }

    It 'Get-VaultConnection returns nothing' {
        Get-VaultConnection | Should -BeNullOrEmpty
    }
}

Describe 'Get-VaultConnection and Disconnect-Vault' {
    BeforeEach {
        Disconnect-Vault -ErrorAction SilentlyContinue
        Reset-TestEmulator
    }

    It 'Get-VaultConnection -Connection returns the connection given, not the default' {
        $jane = Connect-Vault -Vault $Base -Credential $Emu.Users.jane.Credential -PassThru
        Connect-Vault -Vault $Base -Credential $Emu.Users.admin.Credential
        (Get-VaultConnection).UserName | Should -Be 'admin@emulator.vault'
        (Get-VaultConnection -Connection $jane).UserName | Should -Be 'jane@emulator.vault'
    }

    It 'Remove-Module VaultStaging closes the connections made in that session, and only those' {
        $mine = Connect-Vault -Vault $Base -Credential $Emu.Users.jane.Credential -PassThru
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript({
                param($ModulePath, $Base, $Credential)
                Import-Module $ModulePath
                $held = Connect-Vault -Vault $Base -Credential $Credential -PassThru
                Connect-Vault -Vault $Base -Credential $Credential
                $default = Get-VaultConnection
                Remove-Module VaultStaging
                [pscustomobject]@{ Held = $held.IsConnected; Default = $default.IsConnected }
            }).AddArgument($ModulePath).AddArgument($Base).AddArgument($Emu.Users.admin.Credential)
            $after = $ps.Invoke()
            $ps.Streams.Error | Should -BeNullOrEmpty
        } finally {
            $ps.Dispose()
        }
        $after.Held | Should -BeFalse
        $after.Default | Should -BeFalse
        $mine.IsConnected | Should -BeTrue
    }

    It 'Disconnect-Vault ends the session on the server and forgets the connection' {
        $sid = New-TestVaultSession -User jane
        (Invoke-RawVault -Authorization $sid).responseStatus | Should -Be 'SUCCESS'
        $c = Connect-Vault -Vault $Base -SessionId (ConvertTo-SecureText $sid) -PassThru

        Disconnect-Vault

        Get-VaultConnection | Should -BeNullOrEmpty
        $c.IsConnected | Should -BeFalse
        $after = Invoke-RawVault -Authorization $sid
        $after.responseStatus | Should -Be 'FAILURE'
        $after.errors[0].type | Should -Be 'INVALID_SESSION_ID'
        @(Get-EmulatorLog | Where-Object { $_.operation -eq 'logout' -and $_.responseStatus -eq 'SUCCESS' }).Count | Should -Be 1
    }

    It 'Disconnect-Vault after a password login kills that session on the server' {
        Connect-Vault -Vault $Base -Credential $Emu.Users.admin.Credential
        $before = @((Invoke-EmulatorControl -Path state).authSessions | Where-Object userId -EQ 10001000)
        $before.Count | Should -Be 1
        $before[0].alive | Should -BeTrue

        Disconnect-Vault

        $after = @((Invoke-EmulatorControl -Path state).authSessions | Where-Object userId -EQ 10001000)
        $after[0].alive | Should -BeFalse
    }

    It 'a disconnected connection object is refused with NotConnected' {
        $c = Connect-Vault -Vault $Base -Credential $Emu.Users.admin.Credential -PassThru
        Disconnect-Vault -Connection $c
        $err = Get-CommandError { Get-VaultUploadSession -Connection $c }
        $err.FullyQualifiedErrorId | Should -BeLike 'NotConnected*'
        "$err $($err.ErrorDetails.RecommendedAction)" | Should -Match 'Connect-Vault'
    }

    It 'Disconnect-Vault -Connection ends that one and leaves the default alone' {
        $jane = Connect-Vault -Vault $Base -Credential $Emu.Users.jane.Credential -PassThru
        Connect-Vault -Vault $Base -Credential $Emu.Users.admin.Credential

        Disconnect-Vault -Connection $jane

        $jane.IsConnected | Should -BeFalse
        (Get-VaultConnection).UserName | Should -Be 'admin@emulator.vault'
        @(Get-VaultUploadSession).Count | Should -Be 3
    }
}

Describe 'Parallel runspaces' {
    BeforeAll {
        Reset-TestEmulator
        Connect-Vault -Vault $Base -Credential $Emu.Users.jane.Credential
        $script:Jane = Get-VaultConnection
    }

    It 'a ForEach-Object -Parallel iteration has no default connection' {
        $results = 1..2 | ForEach-Object -Parallel {
            Import-Module $using:ModulePath
            try {
                $null = Get-VaultUploadSession -ErrorAction Stop
                'listed without a connection'
            } catch {
                $_.FullyQualifiedErrorId
            }
        }
        $results.Count | Should -Be 2
        $results | ForEach-Object { $_ | Should -BeLike 'NotConnected*' }
    }

    It '-Connection $using:c works inside ForEach-Object -Parallel, and the caller keeps its default' {
        $c = $script:Jane
        $sessions = @(1..3 | ForEach-Object -Parallel {
            Import-Module $using:ModulePath
            Get-VaultUploadSession -Connection $using:c
        })
        $sessions.Count | Should -Be 9
        $sessions | ForEach-Object { $_ | Should -BeOfType ([VaultStaging.UploadSession]) }
        ($sessions.Id | Sort-Object -Unique).Count | Should -Be 3
        [object]::ReferenceEquals((Get-VaultConnection), $c) | Should -BeTrue
    }

    It 'Connect-Vault inside a parallel iteration does not replace the caller''s default' {
        $admin = $Emu.Users.admin.Credential
        $base = $Base
        $null = 1 | ForEach-Object -Parallel {
            Import-Module $using:ModulePath
            Connect-Vault -Vault $using:base -Credential $using:admin
        }
        (Get-VaultConnection).UserName | Should -Be 'jane@emulator.vault'
    }
}
