using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using VaultStaging.Transfer;
using VaultStaging.Vault;
using Xunit;

namespace VaultStaging.Tests.Transfer
{
    public class PartReaderTests
    {
        const long MiB = 1024 * 1024;

        static async Task<List<(int Number, long Offset, byte[] Bytes, string Md5)>> ReadAllAsync(PartReader reader, Action? afterEach = null)
        {
            var parts = new List<(int, long, byte[], string)>();
            FilePart? part;
            while ((part = await reader.NextAsync()) != null)
            {
                using (part)
                {
                    using var stream = new MemoryStream();
                    using (Stream s = part.OpenRead()) s.CopyTo(stream);
                    parts.Add((part.PartNumber, part.Offset, stream.ToArray(), part.Md5Hex));
                }
                afterEach?.Invoke();
            }
            return parts;
        }

        [Theory]
        [InlineData(0)]
        [InlineData(1)]
        [InlineData(3)]
        public async Task Parts_concatenate_to_the_file_with_the_right_MD5_and_bounded_buffers(int readAhead)
        {
            using var file = new TempFile(3 * 5 * MiB + 12345, seed: readAhead);
            PartPlan plan = PartPlanner.Plan(file.Bytes.Length, "v26.1");
            Assert.Equal(4, plan.PartCount);

            using var reader = new PartReader(file.Path, plan, readAhead);
            int peakAllocated = 0;
            var parts = await ReadAllAsync(reader, () => peakAllocated = Math.Max(peakAllocated, reader.BuffersAllocated));

            Assert.Equal(new[] { 1, 2, 3, 4 }, parts.Select(p => p.Number));
            Assert.Equal(file.Bytes, parts.SelectMany(p => p.Bytes).ToArray());
            foreach (var p in parts)
                Assert.Equal(file.Md5Of(p.Offset, p.Bytes.Length), p.Md5);
            Assert.Equal(readAhead + 1, reader.BufferCapacity);
            Assert.InRange(reader.BuffersAllocated, 1, readAhead + 1);
            Assert.InRange(reader.PeakBuffersInUse, 1, readAhead + 1);
            Assert.InRange(peakAllocated, 1, readAhead + 1);
            Assert.Null(await reader.NextAsync());   // the end stays the end
        }

        [Fact]
        public async Task Many_parts_reuse_the_same_few_buffers()
        {
            using var file = new TempFile(12 * 5 * MiB + 1, seed: 11);
            PartPlan plan = PartPlanner.Plan(file.Bytes.Length, "v26.1");
            Assert.Equal(13, plan.PartCount);
            using var reader = new PartReader(file.Path, plan, readAhead: 2);
            var buffers = new HashSet<byte[]>(ReferenceEqualityComparer.Instance);
            FilePart? part;
            int count = 0;
            while ((part = await reader.NextAsync()) != null)
            {
                using (part)
                {
                    buffers.Add(part.Buffer);
                    Assert.Equal(file.Md5Of(part.Offset, part.Length), part.Md5Hex);
                    Assert.True(file.Bytes.AsSpan((int)part.Offset, part.Length).SequenceEqual(part.Buffer.AsSpan(0, part.Length)));
                    count++;
                }
            }
            Assert.Equal(13, count);
            Assert.InRange(buffers.Count, 1, 3);
            Assert.InRange(reader.BuffersAllocated, 1, 3);
        }

        [Fact]
        public async Task A_one_byte_file_is_one_part_in_a_one_byte_buffer()
        {
            using var file = new TempFile(1);
            PartPlan plan = PartPlanner.Plan(1, "v26.1");
            using var reader = new PartReader(file.Path, plan);
            using (FilePart? part = await reader.NextAsync())
            {
                Assert.NotNull(part);
                Assert.Equal(1, part!.PartNumber);
                Assert.Equal(1, part.Length);
                Assert.Single(part.Buffer); // not a 5 MiB buffer for one byte
                Assert.Equal(file.Md5Of(0, 1), part.Md5Hex);
            }
            Assert.Null(await reader.NextAsync());
        }

        [Fact]
        public async Task Only_the_requested_parts_are_read()
        {
            using var file = new TempFile(4 * 5 * MiB + 7, seed: 5);
            PartPlan plan = PartPlanner.Plan(file.Bytes.Length, "v26.1");
            using var reader = new PartReader(file.Path, plan, 1, new[] { 2, 5 });
            var parts = await ReadAllAsync(reader);
            Assert.Equal(new[] { 2, 5 }, parts.Select(p => p.Number));
            Assert.Equal(5 * MiB, parts[0].Offset);
            Assert.Equal(file.Bytes.Skip((int)(5 * MiB)).Take((int)(5 * MiB)), parts[0].Bytes);
            Assert.Equal(file.Bytes.Skip((int)(20 * MiB)), parts[1].Bytes);
            Assert.Equal(file.Md5Of(20 * MiB, 7), parts[1].Md5);
        }

        [Fact]
        public async Task No_parts_requested_means_the_end_at_once()
        {
            using var file = new TempFile(100);
            using var reader = new PartReader(file.Path, PartPlanner.Plan(100, "v26.1"), 1, Array.Empty<int>());
            Assert.Null(await reader.NextAsync());
        }

        [Fact]
        public void Part_numbers_out_of_order_or_out_of_the_plan_are_refused()
        {
            using var file = new TempFile(11 * MiB);
            PartPlan plan = PartPlanner.Plan(file.Bytes.Length, "v26.1");
            Assert.Throws<ArgumentException>(() => new PartReader(file.Path, plan, 1, new[] { 2, 1 }));
            Assert.Throws<ArgumentException>(() => new PartReader(file.Path, plan, 1, new[] { 1, 1 }));
            Assert.Throws<ArgumentOutOfRangeException>(() => new PartReader(file.Path, plan, 1, new[] { 4 }));
            Assert.Throws<ArgumentOutOfRangeException>(() => new PartReader(file.Path, plan, 1, new[] { 0 }));
            Assert.Throws<ArgumentOutOfRangeException>(() => new PartReader(file.Path, plan, -1));
        }

        [Fact]
        public void A_file_that_does_not_match_the_plan_is_refused_at_once()
        {
            using var file = new TempFile(1000);
            var ex = Assert.Throws<VaultException>(() => new PartReader(file.Path, PartPlanner.Plan(999, "v26.1")));
            Assert.Equal("FILE_CHANGED", ex.ErrorType);
            Assert.Equal(VaultFailureKind.Client, ex.Kind);
            Assert.Contains(file.Path, ex.Message);
        }

        [Fact]
        public async Task A_file_that_shrinks_during_the_upload_fails_clearly()
        {
            using var file = new TempFile(2 * 5 * MiB + 100, seed: 9);
            PartPlan plan = PartPlanner.Plan(file.Bytes.Length, "v26.1");
            using var reader = new PartReader(file.Path, plan, readAhead: 0); // part 2 is read only once part 1 is given back
            FilePart? first = await reader.NextAsync();
            Assert.NotNull(first);

            if (!TryResize(file.Path, 5 * MiB + 10)) return; // Windows refuses the writer: FileShare.Read did its job
            first!.Dispose();

            var ex = await Assert.ThrowsAsync<VaultException>(() => reader.NextAsync());
            Assert.Equal("FILE_CHANGED", ex.ErrorType);
            Assert.Contains("changed during the upload", ex.Message);
            Assert.Contains("10,485,860 bytes", ex.Message);
            Assert.Contains("5,242,890 bytes", ex.Message);
            // The failure sticks.
            await Assert.ThrowsAsync<VaultException>(() => reader.NextAsync());
        }

        [Fact]
        public async Task A_file_that_grows_during_the_upload_fails_clearly()
        {
            using var file = new TempFile(5 * MiB + 100, seed: 10);
            PartPlan plan = PartPlanner.Plan(file.Bytes.Length, "v26.1");
            using var reader = new PartReader(file.Path, plan, readAhead: 0);
            FilePart? first = await reader.NextAsync();
            Assert.NotNull(first);
            if (!TryResize(file.Path, 5 * MiB + 200)) return;
            first!.Dispose();
            var ex = await Assert.ThrowsAsync<VaultException>(() => reader.NextAsync());
            Assert.Equal("FILE_CHANGED", ex.ErrorType);
        }

        static bool TryResize(string path, long length)
        {
            try
            {
                using var writer = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite);
                writer.SetLength(length);
                return true;
            }
            catch (IOException) when (OperatingSystem.IsWindows())
            {
                return false;
            }
        }

        [Fact]
        public async Task Holding_every_buffer_and_asking_for_more_is_refused_instead_of_hanging()
        {
            using var file = new TempFile(4 * 5 * MiB, seed: 4);
            PartPlan plan = PartPlanner.Plan(file.Bytes.Length, "v26.1");
            using var reader = new PartReader(file.Path, plan, readAhead: 1);
            FilePart? one = await reader.NextAsync();
            FilePart? two = await reader.NextAsync();
            await Assert.ThrowsAsync<InvalidOperationException>(() => reader.NextAsync());
            one!.Dispose();
            using (FilePart? three = await reader.NextAsync())
                Assert.Equal(3, three!.PartNumber);
            two!.Dispose();
            using (FilePart? four = await reader.NextAsync())
                Assert.Equal(4, four!.PartNumber);
            Assert.Null(await reader.NextAsync());
            Assert.InRange(reader.BuffersAllocated, 1, 2);
        }

        [Fact]
        public async Task Holding_the_last_part_still_lets_the_end_be_seen()
        {
            using var file = new TempFile(5 * MiB + 1, seed: 2);
            using var reader = new PartReader(file.Path, PartPlanner.Plan(file.Bytes.Length, "v26.1"), readAhead: 0);
            using FilePart? one = await reader.NextAsync();
            one!.Dispose();
            using FilePart? two = await reader.NextAsync();
            Assert.Equal(2, two!.PartNumber);
            Assert.Null(await reader.NextAsync()); // no buffer needed for the end
        }

        [Fact]
        public async Task A_part_can_be_streamed_again_and_its_stream_does_not_own_it()
        {
            using var file = new TempFile(5000, seed: 6);
            using var reader = new PartReader(file.Path, PartPlanner.Plan(5000, "v26.1"));
            FilePart part = (await reader.NextAsync())!;
            byte[] first, second;
            using (Stream s = part.OpenRead())
            {
                Assert.False(s.CanWrite);
                Assert.Equal(5000, s.Length);
                first = ReadToEnd(s);
            }
            using (Stream s = part.OpenRead()) second = ReadToEnd(s);
            Assert.Equal(file.Bytes, first);
            Assert.Equal(file.Bytes, second);

            part.Dispose();
            part.Dispose(); // twice is fine
            Assert.Throws<ObjectDisposedException>(() => part.Buffer);
            Assert.Throws<ObjectDisposedException>(() => part.OpenRead());
        }

        static byte[] ReadToEnd(Stream s)
        {
            using var copy = new MemoryStream();
            s.CopyTo(copy);
            return copy.ToArray();
        }

        [Fact]
        public async Task Disposing_the_reader_mid_way_stops_it_and_closes_the_file()
        {
            using var file = new TempFile(6 * 5 * MiB, seed: 8);
            var reader = new PartReader(file.Path, PartPlanner.Plan(file.Bytes.Length, "v26.1"), readAhead: 2);
            FilePart held = (await reader.NextAsync())!;
            reader.Dispose();
            reader.Dispose();
            await Assert.ThrowsAsync<ObjectDisposedException>(() => reader.NextAsync());
            Assert.Equal(file.Md5Of(0, held.Length), held.Md5Hex); // a held part stays valid
            held.Dispose();
            using (new FileStream(file.Path, FileMode.Open, FileAccess.ReadWrite, FileShare.None)) { } // nobody holds the file
        }

        [Fact]
        public async Task A_cancelled_wait_leaves_the_reader_usable()
        {
            using var file = new TempFile(5 * MiB + 3, seed: 12);
            using var reader = new PartReader(file.Path, PartPlanner.Plan(file.Bytes.Length, "v26.1"));
            using var cancelled = new CancellationTokenSource();
            cancelled.Cancel();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => reader.NextAsync(cancelled.Token));
            var parts = await ReadAllAsync(reader);
            Assert.Equal(new[] { 1, 2 }, parts.Select(p => p.Number));
        }

        [Fact]
        public void A_missing_file_fails_with_the_framework_error()
        {
            string path = Path.Combine(Path.GetTempPath(), "vaultstaging-missing-" + Guid.NewGuid().ToString("N"));
            Assert.Throws<FileNotFoundException>(() => new PartReader(path, PartPlanner.Plan(10, "v26.1")));
        }
    }
}
