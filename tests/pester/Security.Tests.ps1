# No password, session id or token anywhere a user or a log could see it: output, every stream with
# -Verbose -Debug, errors, $Error, a transcript, and the connection object however it is shown or saved.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestEmulator.psm1') -Force
    $script:ModulePath = Get-TestModulePath
    Import-Module $script:ModulePath -Force
    $script:Emu = Start-TestEmulator
    $script:Base = $script:Emu.BaseUrl
    $PSStyle.OutputRendering = 'PlainText'

    # A Vault session id of the emulator: 100 characters of letters, digits, '.', '_' and '-'. Upload session
    # ids are shorter (80), so a run of exactly 100 such characters is a leaked session id.
    $script:SessionIdShape = '(?<![A-Za-z0-9._-])[A-Za-z0-9._-]{100}(?![A-Za-z0-9._-])'

    # Everything an object can say about itself: ToString, its properties, its table/list views, JSON, CLIXML.
    function ConvertTo-AllText($Item) {
        if ($null -eq $Item) { return '' }
        $parts = [Collections.Generic.List[string]]::new()
        $parts.Add("$Item")
        if ($Item -is [Management.Automation.ErrorRecord]) {
            $parts.Add($Item.FullyQualifiedErrorId)
            $parts.Add("$($Item.Exception)")
            $parts.Add("$($Item.ErrorDetails)")
            $parts.Add("$($Item.ErrorDetails.RecommendedAction)")
            $parts.Add("$($Item.TargetObject)")
            $parts.Add("$($Item.CategoryInfo)")
            $parts.Add(($Item | Format-List * -Force | Out-String -Width 400))
            $parts.Add(($Item.Exception | Format-List * -Force | Out-String -Width 400))
            $inner = $Item.Exception.InnerException
            while ($inner) { $parts.Add("$inner"); $inner = $inner.InnerException }
        } elseif ($Item -is [Management.Automation.InformationalRecord]) {
            $parts.Add($Item.Message)
        } else {
            $parts.Add(($Item | Format-List * -Force | Out-String -Width 400))
            $parts.Add(($Item | Format-Table | Out-String -Width 400))
            $parts.Add(($Item | ConvertTo-Json -Depth 4 -WarningAction SilentlyContinue))
        }
        $parts -join "`n"
    }

    function Assert-NoSecret([string] $Text, [string[]] $Secrets, [string] $Where) {
        foreach ($secret in $Secrets) {
            $Text.Contains($secret) | Should -BeFalse -Because "a secret ($($secret.Substring(0, 4))...) must not appear in $Where"
        }
        $Text | Should -Not -Match $SessionIdShape -Because "no session id may appear in $Where"
    }
}

AfterAll {
    Disconnect-Vault -ErrorAction SilentlyContinue
    Stop-TestEmulator $script:Emu
}

Describe 'The connection object' {
    BeforeAll {
        Reset-TestEmulator
        $script:BobSid = New-TestVaultSession -User bob
    }
    AfterEach { Disconnect-Vault -ErrorAction SilentlyContinue }

    It 'holds no secret in any property, ToString, view, JSON or CLIXML (<Method>)' -TestCases @(
        @{ Method = 'Password' }
        @{ Method = 'Token' }
        @{ Method = 'SessionId' }
    ) {
        $c = switch ($Method) {
            'Password' { Connect-Vault -Vault $Base -Credential $Emu.Users.admin.Credential -PassThru }
            'Token' { Connect-Vault -Vault $Base -Token (ConvertTo-SecureText $Emu.Users.jane.Token) -PassThru }
            'SessionId' { Connect-Vault -Vault $Base -SessionId (ConvertTo-SecureText $BobSid) -PassThru }
        }
        "$($c.AuthenticationMethod)" | Should -Be $Method
        $clixml = Join-Path $TestDrive "connection-$Method.xml"
        $c | Export-Clixml -Path $clixml -Depth 5
        $text = @(
            ConvertTo-AllText $c
            ConvertTo-AllText (Get-VaultConnection)
            $c.PSObject.Properties | ForEach-Object { "$($_.Name)=$($_.Value)" }
            Get-Content -Raw $clixml
            $c | ConvertTo-Csv -NoTypeInformation | Out-String
        ) -join "`n"
        $text | Should -Match 'UserId'   # the scan saw the object
        Assert-NoSecret $text @($Emu.Users.admin.Password, $Emu.Users.jane.Token, $BobSid) "the $Method connection"
    }
}

Describe 'Streams, errors and the transcript' {
    It 'never show the password, the token or a session id, with -Verbose -Debug and failures' {
        $wrongPassword = 'Not-Adm1n-Pass!word'
        $transcript = Join-Path $TestDrive 'transcript.txt'
        $admin = $Emu.Users.admin.Credential
        $wrong = [pscredential]::new('admin@emulator.vault', (ConvertTo-SecureText $wrongPassword))
        $token = ConvertTo-SecureText $Emu.Users.jane.Token

        # Every cmdlet, every way in, a retried call and failing ones. $sid is bob's session of the pass.
        $steps = @(
            { Connect-Vault -Vault $Base -Credential $admin -Verbose -Debug -PassThru }
            { Get-VaultConnection -Verbose -Debug }
            { Get-VaultUploadSession -Verbose -Debug }
            { Get-VaultUploadSession -Id (Get-VaultUploadSession | Select-Object -First 1).Id, 'no-such-session' -Verbose -Debug }
            { $null = Invoke-EmulatorControl -Method Post -Path faults -Body @{ kind = 'http-status'; operation = 'list'; status = 503; count = 1 } }
            { Get-VaultUploadSession -Verbose -Debug }   # retried once after the 503
            { $null = Invoke-EmulatorControl -Method Post -Path faults -Body @{ kind = 'http-status'; operation = 'list'; status = 502; count = -1 } }
            { Connect-Vault -Vault $Base -Credential $admin -MaximumRetryCount 0 -Verbose -Debug }
            { Get-VaultUploadSession -Verbose -Debug }   # fails: HTML 502, no retries
            { $null = Invoke-EmulatorControl -Method Delete -Path faults }
            { $null = Invoke-EmulatorControl -Method Post -Path faults -Body @{ kind = 'expire-session'; operation = 'list'; count = 1 } }
            { Get-VaultUploadSession -Verbose -Debug }   # the session dies under it: logs in again, or fails
            { Connect-Vault -Vault $Base -Credential $wrong -MaximumRetryCount 0 -Verbose -Debug }
            { Connect-Vault -Vault $Base -Token $token -Verbose -Debug -PassThru | ConvertTo-Json }
            { Get-VaultUploadSession -Verbose -Debug }
            { Connect-Vault -Vault $Base -SessionId (ConvertTo-SecureText $sid) -Verbose -Debug -PassThru }
            { Get-VaultUploadSession -Verbose -Debug }
            { Connect-Vault -Vault $Base -SessionId (ConvertTo-SecureText 'x-dead-session') -MaximumRetryCount 0 -Verbose -Debug }
            { Connect-Vault -Vault $Base -Credential $admin -Verbose -Debug }
            { Disconnect-Vault -Verbose -Debug }
            { Get-VaultUploadSession -Verbose -Debug }   # NotConnected
        )
        function Invoke-Steps([switch] $Capture) {
            foreach ($step in $steps) {
                $ErrorActionPreference = 'Continue'
                try {
                    if ($Capture) { & $step *>&1 } else { & $step | Out-Default }
                } catch {
                    if ($Capture) { $_ } else { $_ | Out-Default }
                }
            }
        }

        # Pass 1, as a user sees it: every stream goes to the host, under a transcript.
        Reset-TestEmulator
        $sid = New-TestVaultSession -User bob
        $secrets = [Collections.Generic.List[string]]@($Emu.Users.admin.Password, $wrongPassword, $Emu.Users.jane.Token, $sid)
        $Error.Clear()
        Start-Transcript -Path $transcript -Force | Out-Null
        try { Invoke-Steps } finally { Stop-Transcript | Out-Null }
        $hostErrors = @($Error)

        # Pass 2: the same steps with every stream captured as records.
        Reset-TestEmulator
        $sid = New-TestVaultSession -User bob
        $secrets.Add($sid)
        $Error.Clear()
        $captured = @(Invoke-Steps -Capture)
        $capturedErrors = @($Error)

        # The scan must have something to scan: verbose and debug lines, sessions, and the expected errors.
        @($captured | Where-Object { $_ -is [Management.Automation.VerboseRecord] }).Count | Should -BeGreaterThan 0
        @($captured | Where-Object { $_ -is [Management.Automation.DebugRecord] }).Count | Should -BeGreaterThan 0
        @($captured | Where-Object { $_ -is [VaultStaging.UploadSession] }).Count | Should -BeGreaterThan 3
        $errorIds = @($captured | Where-Object { $_ -is [Management.Automation.ErrorRecord] } | ForEach-Object FullyQualifiedErrorId)
        @($errorIds -like 'USERNAME_OR_PASSWORD_INCORRECT*').Count | Should -BeGreaterThan 0
        @($errorIds -like 'HTTP_ERROR*').Count | Should -BeGreaterThan 0
        @($errorIds -like 'INVALID_DATA*').Count | Should -BeGreaterThan 0
        @($errorIds -like 'INVALID_SESSION_ID*').Count | Should -BeGreaterThan 0
        @($errorIds -like 'NotConnected*').Count | Should -BeGreaterThan 0
        $transcriptText = Get-Content -Raw $transcript
        $transcriptText | Should -Match 'VERBOSE:'
        $transcriptText | Should -Match 'DEBUG:'
        $transcriptText | Should -Match 'USERNAME_OR_PASSWORD_INCORRECT'
        $transcriptText | Should -Match '/u10001400/Gludacta-2021/'   # the session table (paths may be shortened to the width)

        Assert-NoSecret (($captured | ForEach-Object { ConvertTo-AllText $_ }) -join "`n") $secrets 'the output, verbose, debug, warning, information or error streams'
        Assert-NoSecret ((@($hostErrors) + @($capturedErrors) | ForEach-Object { ConvertTo-AllText $_ }) -join "`n") $secrets '$Error'
        Assert-NoSecret $transcriptText $secrets 'the transcript'
    }
}
