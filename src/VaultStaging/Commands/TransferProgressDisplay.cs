using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using VaultStaging.Transfer;

namespace VaultStaging.Commands
{
    /// <summary>
    /// One Write-Progress display for a whole transfer: a parent record (files, bytes, rate, time left) and a
    /// child record for each file in flight. Written only from the pipeline thread; every write is guarded,
    /// because once the pipeline is stopping Write-Progress throws and nothing after it would run.
    /// </summary>
    internal sealed class TransferProgressDisplay
    {
        const int ParentId = 1;

        readonly Cmdlet _cmdlet;
        readonly string _activity;
        readonly IReadOnlyList<TransferProgress> _items;
        readonly Dictionary<TransferProgress, int> _ids = new Dictionary<TransferProgress, int>();
        readonly HashSet<TransferProgress> _completed = new HashSet<TransferProgress>();
        readonly DateTime _started = DateTime.UtcNow;
        readonly long _total;
        DateTime _lastShown = DateTime.MinValue;

        public TransferProgressDisplay(Cmdlet cmdlet, string activity, IReadOnlyList<TransferProgress> items)
        {
            _cmdlet = cmdlet;
            _activity = activity;
            _items = items;
            _total = items.Sum(i => i.Size);
            for (int i = 0; i < items.Count; i++) _ids[items[i]] = i + 2;
        }

        /// <summary>Shows where the transfer stands, at most four times a second.</summary>
        public void Show()
        {
            DateTime now = DateTime.UtcNow;
            if (now - _lastShown < TimeSpan.FromMilliseconds(250)) return;
            _lastShown = now;
            double seconds = Math.Max(0.001, (now - _started).TotalSeconds);
            long done = 0, moved = 0;
            int finished = 0;
            foreach (TransferProgress p in _items)
            {
                done += p.BytesDone;
                moved += p.BytesMoved;
                if (p.Finished) finished++;
            }
            double rate = moved / seconds;
            Write(Record(ParentId, -1, _activity, $"{finished} of {_items.Count} files, {MiB(done)} of {MiB(_total)} MiB", done, _total, rate));
            foreach (TransferProgress p in _items)
            {
                if (!p.Started) continue;
                if (p.Finished)
                {
                    if (_completed.Add(p)) Write(new ProgressRecord(_ids[p], p.Name, "Done") { ParentActivityId = ParentId, RecordType = ProgressRecordType.Completed });
                    continue;
                }
                Write(Record(_ids[p], ParentId, p.Name, $"{p.Stage}: {MiB(p.BytesDone)} of {MiB(p.Size)} MiB", p.BytesDone, p.Size, 0));
            }
        }

        /// <summary>Ends the display (never throws).</summary>
        public void Complete()
        {
            foreach (TransferProgress p in _items.Where(p => p.Started && !_completed.Contains(p)))
                Write(new ProgressRecord(_ids[p], p.Name, "Done") { ParentActivityId = ParentId, RecordType = ProgressRecordType.Completed });
            Write(new ProgressRecord(ParentId, _activity, "Done") { RecordType = ProgressRecordType.Completed });
        }

        void Write(ProgressRecord record)
        {
            try
            {
                _cmdlet.WriteProgress(record);
            }
            catch (PipelineStoppedException)
            {
                // Stopping: progress is the least of what the user needs to see now.
            }
            catch (InvalidOperationException)
            {
                // Not on the pipeline thread any more (the command is ending).
            }
        }

        static ProgressRecord Record(int id, int parent, string activity, string status, long done, long total, double rate)
        {
            var record = new ProgressRecord(id, activity, status + (rate > 0 ? $", {(rate / 1048576).ToString("0.0", CultureInfo.CurrentCulture)} MiB/s" : ""))
            {
                ParentActivityId = parent,
                PercentComplete = total > 0 ? (int)Math.Min(100, 100 * done / total) : -1,
            };
            if (rate > 0 && total > done) record.SecondsRemaining = (int)Math.Min(int.MaxValue, Math.Ceiling((total - done) / rate));
            return record;
        }

        /// <summary>Mebibytes (1,048,576 bytes), as the display says: "MB" would be 1,000,000, the unit of Vault's 50,000,000-byte limit.</summary>
        static string MiB(long bytes) => (bytes / 1048576.0).ToString("0.0", CultureInfo.CurrentCulture);
    }
}
