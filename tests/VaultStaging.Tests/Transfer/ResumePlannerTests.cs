using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using VaultStaging.Transfer;
using Xunit;

namespace VaultStaging.Tests.Transfer
{
    public class ResumePlannerTests : IDisposable
    {
        const long MiB = 1024 * 1024;

        // A real file of 4 parts: 3 of 5 MiB and a last one of 1000 bytes.
        readonly TempFile _file = new TempFile(3 * 5 * MiB + 1000, seed: 42);
        readonly PartPlan _plan;

        public ResumePlannerTests()
        {
            _plan = PartPlanner.Plan(_file.Bytes.Length, "v26.1");
            Assert.Equal(4, _plan.PartCount);
        }

        public void Dispose() => _file.Dispose();

        /// <summary>What Vault would list after receiving these parts of the local file intact.</summary>
        List<RemotePart> Uploaded(params int[] numbers) =>
            numbers.Select(n => _plan.GetPart(n)).Select(p => new RemotePart(p.PartNumber, p.Length, _file.Md5Of(p.Offset, p.Length))).ToList();

        string LocalMd5(int number)
        {
            PlannedPart p = _plan.GetPart(number);
            return _file.Md5Of(p.Offset, p.Length);
        }

        async Task<ResumeDecision> BothWaysAsync(long remoteSize, List<RemotePart> remote)
        {
            ResumeDecision viaFunc = ResumePlanner.Decide(_plan, remoteSize, remote, LocalMd5);
            ResumeDecision viaFile = await ResumePlanner.DecideAsync(_plan, remoteSize, remote, _file.Path);
            Assert.Equal(viaFunc.CanResume, viaFile.CanResume);
            Assert.Equal(viaFunc.PartsToSend, viaFile.PartsToSend);
            Assert.Equal(viaFunc.PartsAlreadyThere, viaFile.PartsAlreadyThere);
            Assert.Equal(viaFunc.Reason, viaFile.Reason);
            Assert.Equal(_plan.FileSize, viaFunc.BytesAlreadyThere + viaFunc.BytesToSend);
            return viaFile;
        }

        [Fact]
        public async Task Nothing_uploaded_sends_everything()
        {
            ResumeDecision d = await BothWaysAsync(_plan.FileSize, Uploaded());
            Assert.True(d.CanResume);
            Assert.Equal(new[] { 1, 2, 3, 4 }, d.PartsToSend);
            Assert.Empty(d.PartsAlreadyThere);
            Assert.Equal(0, d.BytesAlreadyThere);
            Assert.Contains("no parts yet", d.Reason);
        }

        [Fact]
        public async Task All_uploaded_sends_nothing()
        {
            ResumeDecision d = await BothWaysAsync(_plan.FileSize, Uploaded(1, 2, 3, 4));
            Assert.True(d.CanResume);
            Assert.Empty(d.PartsToSend);
            Assert.Equal(new[] { 1, 2, 3, 4 }, d.PartsAlreadyThere);
            Assert.Equal(_plan.FileSize, d.BytesAlreadyThere);
            Assert.Equal(0, d.BytesToSend);
            Assert.Contains("nothing to send", d.Reason);
        }

        [Fact]
        public async Task An_interrupted_upload_sends_only_the_rest()
        {
            ResumeDecision d = await BothWaysAsync(_plan.FileSize, Uploaded(1, 2));
            Assert.True(d.CanResume);
            Assert.Equal(new[] { 3, 4 }, d.PartsToSend);
            Assert.Equal(new[] { 1, 2 }, d.PartsAlreadyThere);
            Assert.Empty(d.PartsToReplace);
            Assert.Equal(10 * MiB, d.BytesAlreadyThere);
            Assert.Equal(5 * MiB + 1000, d.BytesToSend);
            Assert.Contains("2 missing: 3-4", d.Reason);
        }

        [Fact]
        public async Task One_corrupted_part_in_the_middle_is_sent_again_alone()
        {
            List<RemotePart> remote = Uploaded(1, 2, 3, 4);
            remote[1] = new RemotePart(2, remote[1].Size, "00000000000000000000000000000000");
            ResumeDecision d = await BothWaysAsync(_plan.FileSize, remote);
            Assert.True(d.CanResume);
            Assert.Equal(new[] { 2 }, d.PartsToSend);
            Assert.Equal(new[] { 2 }, d.PartsToReplace);
            Assert.Equal(new[] { 1, 3, 4 }, d.PartsAlreadyThere);
            Assert.Equal(5 * MiB, d.BytesToSend);
            Assert.Contains("replace", d.Reason);
        }

        [Fact]
        public async Task A_corrupted_part_and_missing_ones_are_sent_in_ascending_order()
        {
            List<RemotePart> remote = Uploaded(1, 2, 3);
            remote[1] = new RemotePart(2, remote[1].Size, "not an md5 at all");
            ResumeDecision d = await BothWaysAsync(_plan.FileSize, remote);
            Assert.True(d.CanResume);
            Assert.Equal(new[] { 2, 4 }, d.PartsToSend);
            Assert.Equal(new[] { 2 }, d.PartsToReplace);
            Assert.Equal(new[] { 1, 3 }, d.PartsAlreadyThere);
        }

        [Fact]
        public async Task A_local_file_that_changed_in_place_sends_the_changed_part()
        {
            List<RemotePart> remote = Uploaded(1, 2, 3, 4);
            using (var f = new FileStream(_file.Path, FileMode.Open, FileAccess.Write))
            {
                f.Position = 2 * 5 * MiB + 17; // inside part 3
                f.WriteByte((byte)(_file.Bytes[2 * 5 * MiB + 17] ^ 0xFF));
            }
            ResumeDecision d = await ResumePlanner.DecideAsync(_plan, _plan.FileSize, remote, _file.Path);
            Assert.True(d.CanResume);
            Assert.Equal(new[] { 3 }, d.PartsToSend);
        }

        [Theory]
        [InlineData("upper")]
        [InlineData("base64")]
        public async Task Remote_MD5_in_upper_case_or_base64_still_matches(string form)
        {
            List<RemotePart> remote = Uploaded(1, 2, 3, 4).Select(p => new RemotePart(p.PartNumber, p.Size,
                form == "upper" ? p.Md5.ToUpperInvariant() : Convert.ToBase64String(Convert.FromHexString(p.Md5)))).ToList();
            ResumeDecision d = await BothWaysAsync(_plan.FileSize, remote);
            Assert.Empty(d.PartsToSend);
        }

        [Fact]
        public async Task A_gap_in_the_remote_parts_is_filled_in_order()
        {
            ResumeDecision d = await BothWaysAsync(_plan.FileSize, Uploaded(1, 3));
            Assert.True(d.CanResume);
            Assert.Equal(new[] { 2, 4 }, d.PartsToSend);
            Assert.Equal(new[] { 1, 3 }, d.PartsAlreadyThere);
        }

        [Fact]
        public async Task Remote_parts_in_any_order_and_listed_twice_are_fine()
        {
            List<RemotePart> remote = Uploaded(3, 1, 2, 1);
            ResumeDecision d = await BothWaysAsync(_plan.FileSize, remote);
            Assert.True(d.CanResume);
            Assert.Equal(new[] { 4 }, d.PartsToSend);
        }

        [Fact]
        public async Task A_part_listed_twice_with_different_contents_means_start_over()
        {
            List<RemotePart> remote = Uploaded(1, 2);
            remote.Add(new RemotePart(2, remote[1].Size, "0123456789abcdef0123456789abcdef"));
            ResumeDecision d = await BothWaysAsync(_plan.FileSize, remote);
            Assert.False(d.CanResume);
        }

        [Fact]
        public async Task A_session_for_a_bigger_file_cannot_be_resumed()
        {
            ResumeDecision d = await BothWaysAsync(_plan.FileSize + 1, Uploaded(1, 2));
            AssertStartOver(d);
            Assert.Contains("is for a file of", d.Reason);
        }

        [Fact]
        public async Task A_session_for_a_smaller_file_cannot_be_resumed()
        {
            ResumeDecision d = await BothWaysAsync(_plan.FileSize - 1000, Uploaded(1, 2));
            AssertStartOver(d);
        }

        [Fact]
        public async Task A_session_cut_with_another_part_size_cannot_be_resumed()
        {
            // The same file uploaded in 6 MiB parts: part 1 is 6 MiB where the plan has 5 MiB.
            var remote = new List<RemotePart> { new RemotePart(1, 6 * MiB, _file.Md5Of(0, 6 * MiB)) };
            ResumeDecision d = await BothWaysAsync(_plan.FileSize, remote);
            AssertStartOver(d);
            Assert.Contains("another part size", d.Reason);
        }

        [Fact]
        public async Task A_last_part_of_the_wrong_size_cannot_be_resumed()
        {
            List<RemotePart> remote = Uploaded(1, 2, 3);
            remote.Add(new RemotePart(4, 999, "0123456789abcdef0123456789abcdef"));
            AssertStartOver(await BothWaysAsync(_plan.FileSize, remote));
        }

        [Fact]
        public async Task A_part_number_beyond_the_plan_cannot_be_resumed()
        {
            List<RemotePart> remote = Uploaded(1, 2, 3);
            remote.Add(new RemotePart(5, 1000, "0123456789abcdef0123456789abcdef"));
            ResumeDecision d = await BothWaysAsync(_plan.FileSize, remote);
            AssertStartOver(d);
            Assert.Contains("part 5", d.Reason);
        }

        [Fact]
        public async Task Part_number_zero_cannot_be_resumed()
        {
            AssertStartOver(await BothWaysAsync(_plan.FileSize, new List<RemotePart> { new RemotePart(0, 5 * MiB, "x") }));
        }

        void AssertStartOver(ResumeDecision d)
        {
            Assert.False(d.CanResume);
            Assert.StartsWith("Cannot resume", d.Reason);
            Assert.Equal(Enumerable.Range(1, _plan.PartCount), d.PartsToSend);
            Assert.Empty(d.PartsAlreadyThere);
            Assert.Equal(0, d.BytesAlreadyThere);
            Assert.Equal(_plan.FileSize, d.BytesToSend);
        }

        [Fact]
        public void The_local_MD5_is_asked_only_for_parts_Vault_holds()
        {
            var asked = new List<int>();
            ResumePlanner.Decide(_plan, _plan.FileSize, Uploaded(2, 1), n => { asked.Add(n); return LocalMd5(n); });
            Assert.Equal(new[] { 1, 2 }, asked);
            asked.Clear();
            ResumePlanner.Decide(_plan, _plan.FileSize + 5, Uploaded(1), n => { asked.Add(n); return LocalMd5(n); });
            Assert.Empty(asked);
        }

        [Fact]
        public void A_new_session_sends_everything()
        {
            ResumeDecision d = ResumePlanner.ForNewSession(_plan);
            Assert.False(d.CanResume);
            Assert.Equal(new[] { 1, 2, 3, 4 }, d.PartsToSend);
            Assert.Equal(_plan.FileSize, d.BytesToSend);
        }

        /// <summary>
        /// Whatever Vault holds, sending PartsToSend in their order obeys Vault's ordering rule as the
        /// emulator applies it: a part number at most one past the highest held.
        /// </summary>
        [Fact]
        public void The_parts_to_send_are_always_in_an_order_Vault_accepts()
        {
            PartPlan plan = PartPlanner.Plan(40 * 5 * MiB + 3, "v26.1"); // 41 parts, no file needed: MD5 by formula
            Assert.Equal(41, plan.PartCount);
            string Local(int n) => n.ToString("x32");
            var random = new Random(5);
            for (int round = 0; round < 300; round++)
            {
                var remote = new List<RemotePart>();
                int highest = random.Next(0, plan.PartCount + 1);
                for (int n = 1; n <= highest; n++)
                {
                    double roll = random.NextDouble();
                    if (roll < 0.15 && n != highest) continue;                      // a gap
                    string md5 = roll < 0.3 ? "ffffffffffffffffffffffffffffffff" : Local(n); // a bad part
                    remote.Add(new RemotePart(n, plan.GetPart(n).Length, md5));
                }
                ResumeDecision d = ResumePlanner.Decide(plan, plan.FileSize, remote, Local);
                Assert.True(d.CanResume);

                var held = new HashSet<int>(remote.Select(p => p.PartNumber));
                int top = held.Count == 0 ? 0 : held.Max();
                foreach (int n in d.PartsToSend)
                {
                    Assert.True(n <= top + 1, $"part {n} sent while the highest held is {top}");
                    held.Add(n);
                    top = Math.Max(top, n);
                }
                Assert.Equal(plan.PartCount, held.Count);
                Assert.Equal(d.PartsToSend.OrderBy(n => n), d.PartsToSend);
                Assert.Empty(d.PartsToSend.Intersect(d.PartsAlreadyThere));
            }
        }

        [Fact]
        public void Part_lists_in_messages_are_ranges()
        {
            Assert.Equal("1-3, 7, 9-12", ResumeDecision.Ranges(new[] { 12, 1, 2, 3, 7, 9, 10, 11 }));
            Assert.Equal("", ResumeDecision.Ranges(Array.Empty<int>()));
            Assert.Equal("5", ResumeDecision.Ranges(new[] { 5 }));
        }
    }
}
