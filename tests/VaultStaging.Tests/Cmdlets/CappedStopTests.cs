using System.Diagnostics;
using System.Management.Automation;
using VaultStaging.Emulator;
using VaultStaging.Tests.Infrastructure;

namespace VaultStaging.Tests.Cmdlets;

/// <summary>
/// Ctrl+C during a transfer held back by -MaximumBytesPerSecond: the wait for the cap ends at once. An emulator of
/// its own: the shared one may still be reading a request body an earlier test's stopped upload left in loopback's
/// socket buffers (a slow fault reads it 30 s later), and those bytes would count as this upload's.
/// </summary>
public sealed class CappedStopTests
{
    [Fact]
    public async Task Stop_ends_a_capped_upload_at_once()
    {
        await using var emulator = await VaultEmulator.StartAsync(new EmulatorOptions { Seed = false });
        string file = Path.Combine(Path.GetTempPath(), "capped-stop-" + Guid.NewGuid().ToString("N") + ".bin");
        File.WriteAllBytes(file, new byte[2_000_000]);
        try
        {
            using var host = new PowerShellHost();
            host.Connect(emulator.BaseUrl, EmulatorOptions.JaneUserName, "Jane-Pass!word1");
            using var ps = host.Create();
            // 2,000,000 bytes at 10,000 B/s: over three minutes if nothing stopped it.
            ps.AddCommand("Send-VaultFile").AddParameter("Path", file).AddParameter("Destination", "/capped-stop.bin").AddParameter("MaximumBytesPerSecond", 10_000L);
            IAsyncResult pending = ps.BeginInvoke();
            var waiting = Stopwatch.StartNew();
            while (emulator.State.Throughput.BytesIn < 20_000)
            {
                Assert.True(waiting.Elapsed < TimeSpan.FromSeconds(30), "The upload never started moving bytes.");
                Assert.False(pending.IsCompleted, "Send-VaultFile ended before its bytes moved.");
                Thread.Sleep(50);
            }

            var stopping = Stopwatch.StartNew();
            ps.Stop();
            stopping.Stop();
            // Loose bound (the machine is loaded); without the cancellable wait it would be the rest of three minutes.
            Assert.True(stopping.Elapsed < TimeSpan.FromSeconds(10), $"Stop() took {stopping.Elapsed.TotalMilliseconds:F0} ms.");
            Assert.Equal(PSInvocationState.Stopped, ps.InvocationStateInfo.State);
            Assert.True(emulator.State.Throughput.BytesIn < 1_000_000, $"the cap did not hold before the stop: {emulator.State.Throughput.BytesIn} bytes in");
        }
        finally
        {
            File.Delete(file);
        }
    }
}
