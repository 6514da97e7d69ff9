using System;
using System.Collections.Generic;

namespace VaultStaging.Transfer
{
    /// <summary>
    /// How one file is cut into the parts of an upload session: all parts <see cref="PartSize"/> bytes
    /// except the last, which holds the rest. Made by <see cref="PartPlanner.Plan"/>, which checks Vault's
    /// rules; the same plan drives reading (<see cref="PartReader"/>) and resuming (<see cref="ResumePlanner"/>),
    /// so both agree on where each part starts.
    /// </summary>
    public sealed class PartPlan
    {
        readonly PlannedPart[] _parts;

        internal PartPlan(long fileSize, long partSize, string apiVersion, int maxPartCount)
        {
            if (fileSize <= 0) throw new ArgumentOutOfRangeException(nameof(fileSize));
            if (partSize <= 0) throw new ArgumentOutOfRangeException(nameof(partSize));
            long count = (fileSize + partSize - 1) / partSize;
            if (count > int.MaxValue) throw new ArgumentOutOfRangeException(nameof(partSize), "Too many parts.");

            FileSize = fileSize;
            PartSize = partSize;
            ApiVersion = apiVersion;
            MaxPartCount = maxPartCount;
            PartCount = (int)count;
            LastPartSize = fileSize - (count - 1) * partSize;
            _parts = new PlannedPart[PartCount];
            for (int i = 0; i < PartCount; i++)
            {
                long offset = i * partSize;
                _parts[i] = new PlannedPart(i + 1, offset, i == PartCount - 1 ? LastPartSize : partSize);
            }
        }

        /// <summary>The size of the whole file, in bytes: what the upload session is created with.</summary>
        public long FileSize { get; }

        /// <summary>The size of every part except the last.</summary>
        public long PartSize { get; }

        /// <summary>The number of parts, 1 or more.</summary>
        public int PartCount { get; }

        /// <summary>The size of the last part, 1 to <see cref="PartSize"/> bytes.</summary>
        public long LastPartSize { get; }

        /// <summary>The API version the plan was made for, normalized (e.g. "v26.1").</summary>
        public string ApiVersion { get; }

        /// <summary>The most parts that API version allows in one session.</summary>
        public int MaxPartCount { get; }

        /// <summary>The largest part of this plan: what one read buffer must hold (less than PartSize for a one-part file).</summary>
        public long LargestPartSize => PartCount == 1 ? FileSize : PartSize;

        /// <summary>Every part, part 1 first.</summary>
        public IReadOnlyList<PlannedPart> Parts => _parts;

        /// <summary>Part <paramref name="partNumber"/> (1-based, as Vault numbers them).</summary>
        public PlannedPart GetPart(int partNumber)
        {
            if (partNumber < 1 || partNumber > PartCount)
                throw new ArgumentOutOfRangeException(nameof(partNumber), partNumber, $"Part numbers of this file are 1 to {PartCount}.");
            return _parts[partNumber - 1];
        }

        public override string ToString() =>
            PartCount == 1
                ? $"1 part of {PartPlanner.Bytes(FileSize)}"
                : $"{PartCount} parts of {PartPlanner.Bytes(PartSize)}, the last {PartPlanner.Bytes(LastPartSize)}";
    }

    /// <summary>Where one part lies in the file.</summary>
    public struct PlannedPart : IEquatable<PlannedPart>
    {
        public PlannedPart(int partNumber, long offset, long length)
        {
            PartNumber = partNumber;
            Offset = offset;
            Length = length;
        }

        /// <summary>The part number Vault knows it by, from 1.</summary>
        public int PartNumber { get; }

        /// <summary>The first byte of the part in the file.</summary>
        public long Offset { get; }

        /// <summary>The bytes in the part.</summary>
        public long Length { get; }

        public bool Equals(PlannedPart other) => PartNumber == other.PartNumber && Offset == other.Offset && Length == other.Length;
        public override bool Equals(object obj) => obj is PlannedPart other && Equals(other);
        public override int GetHashCode() => PartNumber ^ Offset.GetHashCode() ^ (Length.GetHashCode() * 31);
        public override string ToString() => $"part {PartNumber}: {Length} bytes at {Offset}";
    }
}
