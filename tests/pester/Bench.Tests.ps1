#Requires -Version 7.0
# Keeps the benchmark (build.ps1 Bench) working: its smoke run, tiny sizes, must run every case to the end.
# Missed targets do not fail it; the figures of a smoke run mean nothing.

Describe 'The benchmark' {
    It 'runs every case of its smoke run and prints the table' {
        $script = Join-Path $PSScriptRoot '../bench/Invoke-Benchmark.ps1'
        $table = Join-Path ([IO.Path]::GetTempPath()) ("bench-smoke-" + [guid]::NewGuid().ToString('N') + '.md')
        try {
            $output = & dotnet pwsh -NoProfile -NonInteractive -File $script -Smoke -OutFile $table 2>&1
            $LASTEXITCODE | Should -Be 0 -Because ($output | Select-Object -Last 15 | Out-String)
            $text = Get-Content -Raw $table
            foreach ($case in '1. List', '2. Upload', '3. ', '4. Import-Module') { $text | Should -Match ([regex]::Escape("| $case")) }
            $text | Should -Match '\| (met|\*\*MISSED\*\*) \|'
        } finally {
            Remove-Item $table -ErrorAction SilentlyContinue
        }
    }
}
