using System;
using System.Linq;
using VaultStaging.Transfer;
using VaultStaging.Vault;
using Xunit;

namespace VaultStaging.Tests.Transfer
{
    public class PartPlannerTests
    {
        const long MiB = 1024 * 1024;

        [Theory]
        [InlineData(1L, "v26.1", 5 * MiB, 1, 1L)]
        [InlineData(5 * MiB - 1, "v26.1", 5 * MiB, 1, 5 * MiB - 1)]
        [InlineData(5 * MiB, "v26.1", 5 * MiB, 1, 5 * MiB)]
        [InlineData(5 * MiB + 1, "v26.1", 5 * MiB, 2, 1L)]
        [InlineData(10 * MiB, "v26.1", 5 * MiB, 2, 5 * MiB)]
        [InlineData(200 * MiB, "v25.3", 5 * MiB, 40, 5 * MiB)]
        // Exactly at the 2000-part limit with 5 MiB parts, then one byte over: 6 MiB parts.
        [InlineData(2000 * 5 * MiB, "v26.1", 5 * MiB, 2000, 5 * MiB)]
        [InlineData(2000 * 5 * MiB + 1, "v26.1", 6 * MiB, 1667, 2000 * 5 * MiB + 1 - 1666 * 6 * MiB)]
        // The largest file before v26.2: 2000 parts of 50 MiB.
        [InlineData(2000 * 50 * MiB, "v26.1", 50 * MiB, 2000, 50 * MiB)]
        // v26.2: 9616 parts.
        [InlineData(9616 * 5 * MiB, "v26.2", 5 * MiB, 9616, 5 * MiB)]
        [InlineData(9616 * 5 * MiB + 1, "v26.2", 6 * MiB, 8014, 9616 * 5 * MiB + 1 - 8013 * 6 * MiB)]
        [InlineData(2000 * 50 * MiB + 1, "v27.1", 11 * MiB, 9091, 2000 * 50 * MiB + 1 - 9090 * 11 * MiB)]
        public void Default_part_size_is_the_smallest_MiB_multiple_within_the_part_limit(long fileSize, string version, long partSize, int count, long last)
        {
            PartPlan plan = PartPlanner.Plan(fileSize, version);
            Assert.Equal(partSize, plan.PartSize);
            Assert.Equal(count, plan.PartCount);
            Assert.Equal(last, plan.LastPartSize);
            Assert.Equal(fileSize, plan.FileSize);
            Assert.True(plan.PartCount <= plan.MaxPartCount);
            // One MiB less would need more parts than allowed (unless already at the 5 MiB floor).
            if (partSize > 5 * MiB)
                Assert.True((fileSize + partSize - MiB - 1) / (partSize - MiB) > plan.MaxPartCount);
        }

        [Fact]
        public void A_500_GB_file_fits_v26_2_with_parts_Vault_takes()
        {
            PartPlan plan = PartPlanner.Plan(PartPlanner.MaxFileSize, "v26.2");
            Assert.Equal(500_000_000_000L, PartPlanner.MaxFileSize);
            Assert.Equal(9616, plan.PartCount);
            Assert.Equal(52_000_000L, plan.PartSize); // the v26.2 maximum: 50 MiB would be over "52MB"
            Assert.Equal(500_000_000_000L - 9615L * 52_000_000, plan.LastPartSize);
        }

        [Fact]
        public void A_file_just_under_the_last_MiB_step_on_v26_2_gets_49_MiB_parts()
        {
            PartPlan plan = PartPlanner.Plan(9616 * 49 * MiB, "v26.2");
            Assert.Equal(49 * MiB, plan.PartSize);
            Assert.Equal(9616, plan.PartCount);
            Assert.Equal(52_000_000L, PartPlanner.Plan(9616 * 49 * MiB + 1, "v26.2").PartSize);
        }

        [Fact]
        public void Over_500_GB_is_refused_naming_Path()
        {
            var ex = Assert.Throws<VaultInputException>(() => PartPlanner.Plan(PartPlanner.MaxFileSize + 1, "v26.2", fileName: "big.iso"));
            Assert.Equal("Path", ex.ParameterName);
            Assert.Contains("500 GB", ex.Message);
            Assert.Contains("big.iso", ex.Message);
            Assert.Equal(VaultFailureKind.Input, ex.Kind);
        }

        [Fact]
        public void Over_what_2000_parts_hold_before_v26_2_is_refused_suggesting_v26_2()
        {
            var ex = Assert.Throws<VaultInputException>(() => PartPlanner.Plan(2000 * 50 * MiB + 1, "v26.1"));
            Assert.Equal("Path", ex.ParameterName);
            Assert.Contains("2000 parts", ex.Message);
            Assert.Contains("v26.2", ex.Message);
            var ex500 = Assert.Throws<VaultInputException>(() => PartPlanner.Plan(PartPlanner.MaxFileSize, "v25.2"));
            Assert.Equal("Path", ex500.ParameterName);
        }

        [Fact]
        public void An_empty_file_is_refused()
        {
            var ex = Assert.Throws<VaultInputException>(() => PartPlanner.Plan(0, "v26.1", fileName: "empty.txt"));
            Assert.Equal("Path", ex.ParameterName);
            Assert.Contains("empty", ex.Message);
            Assert.Contains("upload session", ex.Message);
        }

        [Theory]
        [InlineData(5 * MiB - 1, "v26.1")]
        [InlineData(1L, "v26.1")]
        [InlineData(0L, "v26.1")]
        [InlineData(-5L, "v26.1")]
        [InlineData(50 * MiB + 1, "v26.1")]
        [InlineData(50 * MiB, "v26.2")]      // over the v26.2 maximum of 52,000,000 bytes
        [InlineData(52_000_001L, "v26.2")]
        public void A_requested_part_size_out_of_bounds_is_refused_naming_PartSize_and_the_bounds(long partSize, string version)
        {
            var ex = Assert.Throws<VaultInputException>(() => PartPlanner.Plan(100 * MiB, version, partSize));
            Assert.Equal("PartSize", ex.ParameterName);
            Assert.Contains("5,242,880 bytes", ex.Message);
            Assert.Contains(PartPlanner.MaxPartSize(version).ToString("N0", System.Globalization.CultureInfo.InvariantCulture), ex.Message);
        }

        [Theory]
        [InlineData(5 * MiB, "v26.1")]
        [InlineData(50 * MiB, "v26.1")]
        [InlineData(7_777_777L, "v26.1")]   // not a MiB multiple: allowed when asked for
        [InlineData(52_000_000L, "v26.2")]
        public void A_requested_part_size_within_bounds_is_used(long partSize, string version)
        {
            PartPlan plan = PartPlanner.Plan(300 * MiB + 3, version, partSize);
            Assert.Equal(partSize, plan.PartSize);
            Assert.Equal((300 * MiB + 3 + partSize - 1) / partSize, plan.PartCount);
        }

        [Fact]
        public void A_requested_part_size_larger_than_the_file_gives_one_part()
        {
            PartPlan plan = PartPlanner.Plan(1000, "v26.1", 20 * MiB);
            Assert.Equal(1, plan.PartCount);
            Assert.Equal(1000, plan.LastPartSize);
            Assert.Equal(1000, plan.LargestPartSize);
        }

        [Fact]
        public void A_requested_part_size_giving_too_many_parts_is_refused_suggesting_the_minimum()
        {
            // 20 GB in 5 MiB parts is 3815 parts; v26.1 allows 2000; 20e9 / 2000 = 10e6 -> 10 MiB.
            var ex = Assert.Throws<VaultInputException>(() => PartPlanner.Plan(20_000_000_000, "v26.1", 5 * MiB));
            Assert.Equal("PartSize", ex.ParameterName);
            Assert.Contains("3815 parts", ex.Message);
            Assert.Contains("at most 2000", ex.Message);
            Assert.Contains("at least 10,485,760 bytes (10 MiB)", ex.Message);
            Assert.Equal(10 * MiB, PartPlanner.Plan(20_000_000_000, "v26.1", 10 * MiB).PartSize);
            // The same request is fine from v26.2.
            Assert.Equal(3815, PartPlanner.Plan(20_000_000_000, "v26.2", 5 * MiB).PartCount);
        }

        [Theory]
        [InlineData("v26.1", false)]
        [InlineData("26.1", false)]
        [InlineData("V26.2", true)]
        [InlineData("v26.2", true)]
        [InlineData("v26.10", true)]
        [InlineData("v27.1", true)]
        [InlineData("v9.3", false)]
        [InlineData(" v25.3 ", false)]
        public void Version_limits(string version, bool v262)
        {
            Assert.Equal(v262, PartPlanner.IsAtLeastV262(version));
            Assert.Equal(v262 ? 9616 : 2000, PartPlanner.MaxPartCount(version));
            Assert.Equal(v262 ? 52_000_000L : 50 * MiB, PartPlanner.MaxPartSize(version));
        }

        [Theory]
        [InlineData("")]
        [InlineData("v26")]
        [InlineData("latest")]
        [InlineData("v26.1.3")]
        public void A_malformed_version_is_refused_naming_ApiVersion(string version)
        {
            var ex = Assert.Throws<VaultInputException>(() => PartPlanner.Plan(10, version));
            Assert.Equal("ApiVersion", ex.ParameterName);
        }

        [Fact]
        public void A_missing_version_is_refused_naming_ApiVersion()
        {
            var ex = Assert.Throws<VaultInputException>(() => PartPlanner.Plan(10, null!));
            Assert.Equal("ApiVersion", ex.ParameterName);
        }

        [Fact]
        public void The_plan_normalizes_the_version()
        {
            Assert.Equal("v26.1", PartPlanner.Plan(10, "26.1").ApiVersion);
        }

        [Theory]
        [InlineData(1L)]
        [InlineData(5 * MiB)]
        [InlineData(17 * MiB + 12345)]
        [InlineData(3_000_000_007L)]
        [InlineData(104_857_600_000L)]
        public void Parts_cover_the_file_contiguously_in_order_all_equal_but_the_last(long fileSize)
        {
            foreach (string version in new[] { "v26.1", "v26.2" })
            {
                PartPlan plan = PartPlanner.Plan(fileSize, version);
                Assert.Equal(plan.PartCount, plan.Parts.Count);
                long offset = 0;
                for (int i = 0; i < plan.Parts.Count; i++)
                {
                    PlannedPart p = plan.Parts[i];
                    Assert.Equal(i + 1, p.PartNumber);
                    Assert.Equal(offset, p.Offset);
                    Assert.Equal(p, plan.GetPart(i + 1));
                    if (i < plan.Parts.Count - 1)
                    {
                        Assert.Equal(plan.PartSize, p.Length);
                        Assert.True(p.Length >= PartPlanner.MinPartSize);
                    }
                    else
                    {
                        Assert.Equal(plan.LastPartSize, p.Length);
                        Assert.InRange(p.Length, 1, plan.PartSize);
                    }
                    offset += p.Length;
                }
                Assert.Equal(fileSize, offset);
                Assert.True(plan.PartSize <= PartPlanner.MaxPartSize(version));
            }
        }

        [Fact]
        public void GetPart_refuses_numbers_outside_the_plan()
        {
            PartPlan plan = PartPlanner.Plan(11 * MiB, "v26.1");
            Assert.Equal(3, plan.PartCount);
            Assert.Throws<ArgumentOutOfRangeException>(() => plan.GetPart(0));
            Assert.Throws<ArgumentOutOfRangeException>(() => plan.GetPart(4));
        }

        [Fact]
        public void Every_size_up_to_the_maximum_plans_within_the_limits()
        {
            var random = new Random(7);
            foreach (string version in new[] { "v22.1", "v26.1", "v26.2", "v28.1" })
            {
                long max = PartPlanner.IsAtLeastV262(version) ? PartPlanner.MaxFileSize : 2000 * 50 * MiB;
                for (int i = 0; i < 500; i++)
                {
                    long size = 1 + (long)(random.NextDouble() * (max - 1));
                    PartPlan plan = PartPlanner.Plan(size, version);
                    Assert.InRange(plan.PartSize, PartPlanner.MinPartSize, PartPlanner.MaxPartSize(version));
                    Assert.InRange(plan.PartCount, 1, PartPlanner.MaxPartCount(version));
                    Assert.Equal(size, (plan.PartCount - 1) * plan.PartSize + plan.LastPartSize);
                }
            }
        }

        [Fact]
        public void The_plan_describes_itself()
        {
            Assert.Equal("3 parts of 5,242,880 bytes (5 MiB), the last 1,048,576 bytes (1 MiB)", PartPlanner.Plan(11 * MiB, "v26.1").ToString());
            Assert.Equal("1 part of 10 bytes", PartPlanner.Plan(10, "v26.1").ToString());
            Assert.Equal(new[] { 10L }, PartPlanner.Plan(10, "v26.1").Parts.Select(p => p.Length));
        }

        [Fact]
        public void A_request_plans_its_parts_once_and_the_uploader_gets_that_plan()
        {
            // Send-VaultFile plans when it checks the file; FileUploader asks the request again and must get the same plan.
            var request = new FileUploadRequest("/tmp/big.iso", 120 * MiB, "/u1/big.iso") { PartSize = 6 * MiB };
            PartPlan checkedPlan = request.PlanParts("v26.1");
            Assert.Equal(6 * MiB, checkedPlan.PartSize);
            Assert.Equal(20, checkedPlan.PartCount);
            Assert.Same(checkedPlan, request.PlanParts("v26.1"));
        }

        [Fact]
        public void A_request_that_cannot_be_planned_names_its_file_and_the_part_size()
        {
            var request = new FileUploadRequest("/tmp/huge.bin", 2000 * 5 * MiB + 1, "/u1/huge.bin") { PartSize = 5 * MiB };
            var e = Assert.Throws<VaultInputException>(() => request.PlanParts("v26.1"));
            Assert.Equal("PartSize", e.ParameterName);
            Assert.Contains("'huge.bin'", e.Message);
        }

        [Fact]
        public void CheckPartSize_checks_the_bounds_whatever_the_file()
        {
            PartPlanner.CheckPartSize(5 * MiB, "v26.1");
            PartPlanner.CheckPartSize(50 * MiB, "v26.1");
            Assert.Equal("PartSize", Assert.Throws<VaultInputException>(() => PartPlanner.CheckPartSize(5 * MiB - 1, "v26.1")).ParameterName);
            Assert.Equal("PartSize", Assert.Throws<VaultInputException>(() => PartPlanner.CheckPartSize(50 * MiB, "v26.2")).ParameterName);
        }
    }
}
