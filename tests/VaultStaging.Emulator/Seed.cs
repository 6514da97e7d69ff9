// SEED: the three upload sessions of shared/seed/list-upload-sessions.txt (Veeva's "List Upload
// Sessions" example), with their ids, paths, owner (10001400), sizes, uploaded and uploaded_parts
// exactly as published.
//
// DATES ARE REBASED. The published dates are from October 2020 and would be long expired. When the
// emulator seeds (at start and at every POST /_emulator/reset) it keeps the seed's relative offsets
// and shifts every timestamp by one amount, chosen so that the LATEST seed timestamp
// (last_uploaded_date 2020-10-07T19:38:29Z of the .mp4 session) lands 5 minutes before "now" on the
// emulator clock (whole seconds). expiration_date stays created_date + 72 h, as in the seed.
//
// PARTS. The seed sessions have no part files on disk. Listing their parts returns synthetic parts:
// uploaded / uploaded_parts bytes each (the .docx: one part of 1273267 bytes; the .mp4: two parts of
// 5242880 bytes; the .pdf: none). Their content is generated on demand from a fixed pseudo-random
// sequence (SyntheticContent), and part_content_md5 is the MD5 of that content, so a client that
// re-sends nothing can still commit the complete .docx session and get a predictable file.
using System.Security.Cryptography;
using System.Text;

namespace VaultStaging.Emulator;

internal static class Seed
{
    internal sealed record SeedSession(
        string Id, string Path, long Owner, long Size, long Uploaded, int UploadedParts,
        DateTimeOffset Created, DateTimeOffset LastUploaded, DateTimeOffset Expiration);

    private static DateTimeOffset At(string utc) => DateTimeOffset.Parse(utc, System.Globalization.CultureInfo.InvariantCulture);

    private static readonly SeedSession[] Published =
    [
        new("yYFg7jN_fZBmUD9Tj98RkL2yqtbTdIh17iy02nd5pby62oqVJLXv.R.ea1jSr786rgwpf7Vx3RmmQ--",
            "/u10001400/Gludacta-2021/Gludacta-Flyer.docx", 10001400, 1273267, 1273267, 1,
            At("2020-10-07T18:32:55Z"), At("2020-10-07T19:27:07Z"), At("2020-10-10T18:32:55Z")),
        new("JEtOyUb9i.DXVbtW7xZT7jWr2rNLWtdWrV7IPCo9aILqd.k8nlNNlG3SbplEVDJulPijrFwnelJw--",
            "/u10001400/Gludacta-2021/GludactaPackageBrochure.pdf", 10001400, 1438827, 0, 0,
            At("2020-10-07T19:11:57Z"), At("2020-10-07T19:11:57Z"), At("2020-10-10T19:11:57Z")),
        new("TpE_3roGfhpCppmk9ltKaEAbb8.kWbZEe6xDuW3lNa42801RbIEPJaWG07xvwrITJgVmXDw3UVL1w--",
            "/u10001400/cholecap-2021/Cholecap-Commercial-2021.mp4", 10001400, 32862312, 10485760, 2,
            At("2020-10-07T19:30:18Z"), At("2020-10-07T19:38:29Z"), At("2020-10-10T19:30:18Z")),
    ];

    private static readonly DateTimeOffset LatestPublishedTimestamp = At("2020-10-07T19:38:29Z");

    /// <summary>The seed sessions with dates shifted so the latest one is 5 minutes before <paramref name="now"/>.</summary>
    public static IEnumerable<SeedSession> Rebased(DateTimeOffset now)
    {
        var anchor = EmulatorState.WholeSeconds(now) - TimeSpan.FromMinutes(5);
        var shift = anchor - LatestPublishedTimestamp;
        return Published.Select(s => s with
        {
            Created = s.Created + shift,
            LastUploaded = s.LastUploaded + shift,
            Expiration = s.Expiration + shift,
        });
    }
}

/// <summary>
/// Deterministic content for parts that exist only in the emulator's bookkeeping (seed sessions and
/// sessions added through the control API): same session id + part number + size, same bytes.
/// </summary>
internal static class SyntheticContent
{
    private static Random NewGenerator(string sessionId, int partNumber)
    {
        // string.GetHashCode is randomised per process; a SHA-256 prefix is stable across runs.
        byte[] digest = SHA256.HashData(Encoding.UTF8.GetBytes($"{sessionId}:{partNumber}"));
        return new Random(BitConverter.ToInt32(digest, 0));
    }

    public static async Task WriteAsync(Stream destination, string sessionId, int partNumber, long size, CancellationToken ct)
    {
        var random = NewGenerator(sessionId, partNumber);
        byte[] buffer = new byte[81920];
        for (long left = size; left > 0;)
        {
            int n = (int)Math.Min(buffer.Length, left);
            random.NextBytes(buffer.AsSpan(0, n));
            await destination.WriteAsync(buffer.AsMemory(0, n), ct);
            left -= n;
        }
    }

    public static string Md5(string sessionId, int partNumber, long size)
    {
        var random = NewGenerator(sessionId, partNumber);
        using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        byte[] buffer = new byte[81920];
        for (long left = size; left > 0;)
        {
            int n = (int)Math.Min(buffer.Length, left);
            random.NextBytes(buffer.AsSpan(0, n));
            md5.AppendData(buffer, 0, n);
            left -= n;
        }
        return Convert.ToHexStringLower(md5.GetHashAndReset());
    }
}
