using System.Text.Json;

namespace VaultStaging.Emulator;

// Upload sessions that outlive the emulator, so "resume after the server came back" can be tried. With a staging
// root of the user's own (--staging-root DIR; not the temp folder used otherwise) every upload session is kept as
// {root}/.sessions/{seq}.json beside its parts ({root}/.parts/{seq}/), written whenever it changes, and a start on a
// root that already holds a tree keeps the tree and reads the sessions back (no seed then). Not kept: auth sessions
// (clients log in again), jobs (a commit job still running at the stop is lost with its file), the log, faults and
// the clock offset. Reset (POST /_emulator/reset) still empties the root.
public sealed partial class EmulatorState
{
    private string SessionsRoot => Path.Combine(StagingRoot, ".sessions");

    private static readonly JsonSerializerOptions SavedJson = new() { WriteIndented = true };

    /// <summary>What is kept of one session (part files are found by number in its parts folder).</summary>
    private sealed record SavedSession(long Seq, string Id, string Path, long Size, long Owner, bool Overwrite,
        DateTimeOffset Created, DateTimeOffset Expiration, DateTimeOffset LastUploaded, List<SavedPart> Parts);

    private sealed record SavedPart(int Number, long Size, string? Md5, bool Stored);

    private string SavedPath(UploadSession s) => Path.Combine(SessionsRoot, s.Seq.ToString(System.Globalization.CultureInfo.InvariantCulture) + ".json");

    /// <summary>Writes (atomically) an active session, or forgets one that ended. Nothing without a root of the user's own.</summary>
    private void SaveSessionLocked(UploadSession s)
    {
        if (!_keepsState) return;
        string file = SavedPath(s);
        if (!s.IsActive)
        {
            TryDeleteFile(file);
            return;
        }
        var saved = new SavedSession(s.Seq, s.Id, s.Path, s.Size, s.Owner, s.Overwrite, s.Created, s.Expiration, s.LastUploaded,
            s.Parts.Values.Select(p => new SavedPart(p.Number, p.Size, p.Md5, p.FilePath is not null)).ToList());
        Directory.CreateDirectory(SessionsRoot);
        string temp = file + ".tmp";
        File.WriteAllText(temp, JsonSerializer.Serialize(saved, SavedJson));
        File.Move(temp, file, overwrite: true);
    }

    /// <summary>The sessions kept under the root; a session whose part file is gone keeps only the parts before it.</summary>
    private void LoadSessionsLocked()
    {
        if (!Directory.Exists(SessionsRoot)) return;
        foreach (string file in Directory.EnumerateFiles(SessionsRoot, "*.json"))
        {
            SavedSession? saved;
            try { saved = JsonSerializer.Deserialize<SavedSession>(File.ReadAllText(file), SavedJson); }
            catch (JsonException) { continue; }
            if (saved is null) continue;
            var session = new UploadSession
            {
                Seq = saved.Seq, Id = saved.Id, Path = saved.Path, Size = saved.Size, Owner = saved.Owner, Overwrite = saved.Overwrite,
                Created = saved.Created, Expiration = saved.Expiration, LastUploaded = saved.LastUploaded,
            };
            foreach (var part in saved.Parts.OrderBy(p => p.Number))
            {
                string? partFile = part.Stored ? Path.Combine(PartsDir(session), part.Number.ToString(System.Globalization.CultureInfo.InvariantCulture)) : null;
                if (partFile is not null && !File.Exists(partFile)) break;
                session.Parts[part.Number] = new StoredPart { Number = part.Number, Size = part.Size, Md5 = part.Md5, FilePath = partFile };
            }
            _sessions[session.Id] = session;
            _sessionSeq = Math.Max(_sessionSeq, session.Seq);
        }
        SweepExpiredLocked();
    }
}
