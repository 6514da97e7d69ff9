using System.Buffers;
using System.Security.Cryptography;

namespace VaultStaging.Emulator;

// Parts of upload sessions: PUT .../upload/{id} and GET .../upload/{id}/parts, with the part rules of
// shared/docs/vault-api.md (see EmulatorState.Uploads.cs for the error types chosen).
public sealed partial class EmulatorState
{
    internal sealed record PartResult(int PartNumber, long Size, string Md5);

    /// <summary>
    /// PUT .../upload/{id}: validates the part against the session using Content-Length, streams the body
    /// to a temp file while hashing it (never holding a part in memory), then swaps it in under the lock.
    /// </summary>
    internal async Task<PartResult> UploadPartAsync(Caller caller, ApiVersion version, string id, string? partNumberHeader,
        long? contentLength, Stream body, bool corrupt, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(partNumberHeader))
            throw new VaultFailure("PARAMETER_REQUIRED", "Missing required header [X-VaultAPI-FilePartNumber]");
        if (!int.TryParse(partNumberHeader.Trim(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int number))
            throw new VaultFailure("INVALID_DATA", $"Invalid value [{partNumberHeader}] for header [X-VaultAPI-FilePartNumber]");
        if (contentLength is null)
            throw new VaultFailure("PARAMETER_REQUIRED", "Missing required header [Content-Length]");
        long length = contentLength.Value;

        UploadSession session;
        string tempPath;
        lock (_gate)
        {
            session = VisibleSessionLocked(caller, id, ownerOnly: true); // only the owner may upload
            CheckPartLocked(session, version, number, length);
            tempPath = Path.Combine(PartsDir(session), $"{number}.{Guid.NewGuid():N}.tmp");
        }

        Directory.CreateDirectory(Path.GetDirectoryName(tempPath)!);
        // The emulator must not be the bottleneck of a benchmark: fill a 1 MiB buffer from the socket, then
        // hash and write it in one go with a plain synchronous file write (no async file I/O on Linux).
        byte[] buffer = ArrayPool<byte>.Shared.Rent(1 << 20);
        try
        {
            using var md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
            long received = 0;
            using (var file = new FileStream(tempPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1))
            {
                int filled = 0, n;
                do
                {
                    n = await body.ReadAsync(buffer.AsMemory(filled, buffer.Length - filled), ct);
                    if (n > 0)
                    {
                        // corrupt-part fault: flip the first byte, as if it was damaged in transit.
                        if (corrupt && received == 0) buffer[filled] ^= 0xFF;
                        received += n;
                        filled += n;
                    }
                    if (filled > 0 && (n == 0 || filled == buffer.Length))
                    {
                        md5.AppendData(buffer, 0, filled);
                        file.Write(buffer, 0, filled);
                        filled = 0;
                    }
                } while (n > 0);
            }
            if (received != length)
                throw new VaultFailure("INVALID_DATA", $"Received {received} bytes but Content-Length was {length}.");
            string hash = Convert.ToHexStringLower(md5.GetHashAndReset());

            lock (_gate)
            {
                // The session may have been committed, aborted or expired, or another part stored, meanwhile.
                if (!session.IsActive || !_sessions.ContainsKey(session.Id))
                    throw new VaultFailure("INVALID_DATA", $"Invalid upload session ID [{id}].");
                CheckPartLocked(session, version, number, length);
                string finalPath = Path.Combine(PartsDir(session), number.ToString(System.Globalization.CultureInfo.InvariantCulture));
                File.Move(tempPath, finalPath, overwrite: true);
                session.Parts[number] = new StoredPart { Number = number, Size = length, Md5 = hash, FilePath = finalPath };
                session.LastUploaded = WholeSeconds(NowLocked);
                SaveSessionLocked(session);
            }
            return new PartResult(number, length, hash);
        }
        catch
        {
            TryDeleteFile(tempPath);
            throw;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The part rules, checked as if part <paramref name="number"/> had <paramref name="length"/> bytes.</summary>
    private static void CheckPartLocked(UploadSession session, ApiVersion version, int number, long length)
    {
        bool v262 = version.AtLeast(26, 2);
        int maxParts = v262 ? MaxPartsFromV262 : MaxPartsBeforeV262;
        long maxPart = v262 ? MaxPartSizeFromV262 : MaxPartSizeBeforeV262;

        if (number < 1 || number > maxParts)
            throw new VaultFailure("INVALID_DATA", $"Invalid part number [{number}]: must be 1..{maxParts}.");
        int highest = session.Parts.Count == 0 ? 0 : session.Parts.Keys.Max();
        if (number > highest + 1)
            throw new VaultFailure("OPERATION_NOT_ALLOWED",
                $"Parts must be uploaded in numerical order: part [{number}] cannot be uploaded before part [{highest + 1}].");
        if (length <= 0 || length > maxPart)
            throw new VaultFailure("INVALID_DATA", $"Invalid part size [{length}]: a part must be 1..{maxPart} bytes.");
        CheckLayout(session, number, length);
    }

    /// <summary>
    /// Sizes after storing the part: no more bytes than declared; every part except the last one at
    /// least 5 MiB and all of the same size. A part is "the last" only if it completes the file, so a
    /// short part that leaves bytes missing is refused at once, and a short part followed by another
    /// is refused when the following one arrives.
    /// </summary>
    private static void CheckLayout(UploadSession session, int number, long length)
    {
        var sizes = session.Parts.ToDictionary(p => p.Key, p => p.Value.Size);
        sizes[number] = length;
        long total = sizes.Values.Sum();
        if (total > session.Size)
            throw new VaultFailure("OPERATION_NOT_ALLOWED",
                $"Part [{number}] would bring the upload to {total} bytes, more than the declared size of {session.Size} bytes.");

        int last = sizes.Keys.Max();
        bool lastCompletesFile = total == session.Size;
        long? common = null;
        foreach (var (n, size) in sizes.OrderBy(p => p.Key))
        {
            if (n == last && lastCompletesFile) continue; // the last part may be smaller
            if (size < MinPartSize)
                throw new VaultFailure("INVALID_DATA",
                    $"Part [{n}] is {size} bytes: every part except the last must be at least {MinPartSize} bytes.");
            common ??= size;
            if (size != common)
                throw new VaultFailure("INVALID_DATA",
                    $"Part [{n}] is {size} bytes but part [1] is {common} bytes: all parts except the last must be the same size.");
        }
    }

    internal sealed record PartsPage(IReadOnlyList<PartResult> Parts, int? NextOffset);

    /// <summary>GET .../upload/{id}/parts: owner or admin.</summary>
    internal PartsPage ListParts(Caller caller, string id, int offset, int limit)
    {
        List<(UploadSession Session, StoredPart Part)> page;
        int? next;
        lock (_gate)
        {
            var session = VisibleSessionLocked(caller, id);
            var all = session.Parts.Values.ToList();
            page = all.Skip(offset).Take(limit).Select(p => (session, p)).ToList();
            next = offset + page.Count < all.Count ? offset + page.Count : null;
        }
        // Synthetic parts get their MD5 on first use (hashing generated content outside the lock).
        var results = page.Select(x => new PartResult(x.Part.Number, x.Part.Size, x.Part.Md5 ??= SyntheticContent.Md5(x.Session.Id, x.Part.Number, x.Part.Size))).ToList();
        return new PartsPage(results, next);
    }
}
