# What Windows PowerShell 5.1 needs, tested here in PowerShell 7 through the module's seams: the .NET Framework
# release check that runs before the assembly loads, connections handed to background jobs, the words of the
# hints, and -Encoding on the drive.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestEmulator.psm1') -Force
    $script:ModulePath = Get-TestModulePath
    $script:Requirements = Join-Path $script:ModulePath 'VaultStaging.Requirements.ps1'
}

Describe 'The .NET Framework check before VaultStaging.dll loads (VaultStaging.Requirements.ps1)' {
    It 'refuses <Name> in Windows PowerShell, saying it needs 4.7.2 or later' -ForEach @(
        @{ Name = '.NET Framework 4.6.2'; Release = 394802; Found = '4.6.2 (release 394802)' }
        @{ Name = '.NET Framework 4.7'; Release = 460798; Found = '4.7 (release 460798)' }
        @{ Name = '.NET Framework 4.7.1'; Release = 461308; Found = '4.7.1 (release 461308)' }
    ) {
        { & $script:Requirements -Edition Desktop -FrameworkRelease $Release } | Should -Throw "*needs .NET Framework 4.7.2 or later*$Found*"
    }

    It 'lets <Name> through' -ForEach @(
        @{ Name = '.NET Framework 4.7.2'; Release = 461808 }
        @{ Name = '.NET Framework 4.7.2 (other Windows)'; Release = 461814 }
        @{ Name = '.NET Framework 4.8'; Release = 528040 }
    ) {
        { & $script:Requirements -Edition Desktop -FrameworkRelease $Release } | Should -Not -Throw
    }

    It 'never stops PowerShell 7, whatever the registry says' {
        { & $script:Requirements -Edition Core -FrameworkRelease 394802 } | Should -Not -Throw
        { & $script:Requirements } | Should -Not -Throw
    }

    It 'ends Import-Module with that message and loads nothing of the module' {
        $copy = Join-Path ([IO.Path]::GetTempPath()) ('vaultstaging-oldfx-' + [guid]::NewGuid().ToString('N').Substring(0, 12))
        Copy-Item -Recurse -LiteralPath $script:ModulePath -Destination (Join-Path $copy 'VaultStaging')
        # Acts as Windows PowerShell on .NET Framework 4.7 would: the same file, its defaults changed.
        $file = Join-Path $copy 'VaultStaging/VaultStaging.Requirements.ps1'
        (Get-Content -Raw $file) -replace '\[string\] \$Edition = \$PSVersionTable\.PSEdition', '[string] $Edition = ''Desktop''' `
            -replace '\[Nullable\[int\]\] \$FrameworkRelease', '[Nullable[int]] $FrameworkRelease = 460798' | Set-Content -LiteralPath $file
        try {
            $output = & dotnet (Join-Path $PSHOME 'pwsh.dll') -NoProfile -NonInteractive -Command "
                try { Import-Module '$copy/VaultStaging' -ErrorAction Stop; 'imported' } catch { 'refused: ' + `$_ }
                'cmdlets: ' + @(Get-Command Connect-Vault -ErrorAction SilentlyContinue).Count
                'module: ' + @(Get-Module VaultStaging).Count
                'provider: ' + @(Get-PSProvider | Where-Object Name -EQ VaultStaging).Count" 2>&1
        } finally {
            Remove-Item -Recurse -Force -LiteralPath $copy -ErrorAction SilentlyContinue
        }
        $text = $output -join "`n"
        $text | Should -Match 'refused: VaultStaging needs \.NET Framework 4\.7\.2 or later'
        $text | Should -Match 'cmdlets: 0'
        # PowerShell 7 may load the file early (Assembly.LoadFrom, which resolves no reference), but it looks for
        # cmdlets and providers in it only after ScriptsToProcess: none of them came.
        $text | Should -Match 'module: 0'
        $text | Should -Match 'provider: 0'
    }

    It 'leaves no variable behind in the session that imported the module' {
        $leaked = & {
            Import-Module $script:ModulePath -Force
            Get-Variable -Name needed, names, found, key, Edition, FrameworkRelease -Scope 0 -ErrorAction SilentlyContinue
        }
        $leaked | Should -BeNullOrEmpty
    }
}

Describe 'Connections in other runspaces and processes' {
    BeforeAll {
        Import-Module $script:ModulePath -Force
        $script:Emu = Start-TestEmulator
        $script:C = Connect-Vault -Vault $Emu.BaseUrl -Credential $Emu.Users.admin.Credential -PassThru
        $hints = [VaultStaging.Host.LiveConnectionAttribute].Assembly.GetType('VaultStaging.Host.ConnectionHints')
        $script:HintFor = { param([bool] $WindowsPowerShell) $hints.GetMethod('ForOtherRunspaces', [Reflection.BindingFlags]'NonPublic, Static').Invoke($null, @($WindowsPowerShell)) }
    }
    AfterAll {
        Disconnect-Vault -Connection $script:C -ErrorAction SilentlyContinue
        Stop-TestEmulator $script:Emu
    }

    It 'a connection that went through Start-Job is refused with what to do, not a type conversion error' {
        $answer = Start-Job -ArgumentList $script:C, $script:ModulePath {
            param($c, $modulePath)
            Import-Module $modulePath
            try { Get-VaultUploadSession -Connection $c -ErrorAction Stop; 'no error' } catch { $_.FullyQualifiedErrorId; $_.Exception.Message }
        } | Receive-Job -Wait -AutoRemoveJob
        $answer[0] | Should -BeLike 'ParameterArgumentTransformationError,*'
        $answer[1] | Should -Match 'copy that came from another process'
        $answer[1] | Should -Match 'run Connect-Vault inside the job'
    }

    It 'Start-Job with Connect-Vault inside the job works (both editions have Start-Job)' {
        $cred = $script:Emu.Users.admin.Credential
        $count = Start-Job -ArgumentList $script:ModulePath, $script:Emu.BaseUrl {
            param($modulePath, $vault)
            Import-Module $modulePath
            Connect-Vault -Vault $vault -Credential $using:cred
            @(Get-VaultUploadSession).Count
            Disconnect-Vault
        } | Receive-Job -Wait -AutoRemoveJob
        $count | Should -Be 3
    }

    It 'a runspace pool, what Windows PowerShell 5.1 has instead of ForEach-Object -Parallel, takes -Connection' {
        $pool = [runspacefactory]::CreateRunspacePool(1, 3)
        $pool.Open()
        try {
            $runs = foreach ($i in 1..3) {
                $ps = [powershell]::Create().AddScript({
                    param($c, $modulePath)
                    Import-Module $modulePath
                    @(Get-VaultUploadSession -Connection $c).Count
                }).AddArgument($script:C).AddArgument($script:ModulePath)
                $ps.RunspacePool = $pool
                [pscustomobject]@{ PowerShell = $ps; Handle = $ps.BeginInvoke() }
            }
            $counts = foreach ($run in $runs) { $run.PowerShell.EndInvoke($run.Handle); $run.PowerShell.Dispose() }
        } finally {
            $pool.Dispose()
        }
        $counts | Should -Be @(3, 3, 3)
    }

    It 'the hint for Windows PowerShell names only what 5.1 has; the one for PowerShell 7 names -Parallel' {
        $desktop = & $script:HintFor $true
        $desktop | Should -Not -Match 'Parallel|ThreadJob'
        $desktop | Should -Match 'CreateRunspacePool'
        $desktop | Should -Match 'Start-Job'
        $core = & $script:HintFor $false
        $core | Should -Match 'ForEach-Object -Parallel'
        $core | Should -Match 'Start-Job'
    }

    It 'no help page or README says that background jobs take -Connection $using:c' {
        $root = Join-Path $PSScriptRoot '../..'
        $files = @(Get-ChildItem (Join-Path $root 'docs/help') -Filter *.md) + @(Get-Item (Join-Path $root 'README.md'))
        $claims = $files | Select-String -Pattern 'background jobs?[^.]*\$using:c' -AllMatches
        $claims | Should -BeNullOrEmpty -Because 'a background job gets a deserialized copy that cannot be used'
    }
}
