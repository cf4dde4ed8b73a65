using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using VoiceKit.Audio;

namespace VoiceKit.Tests.Audio;

/// <summary>
/// Mutates valid WAV files thousands of ways and checks that the reader either returns consistent audio or throws
/// <see cref="WavFormatException"/>: never another exception, never a hang, never an allocation sized by a lying header.
/// </summary>
public sealed class WavFuzzTests
{
    private const int Seed = 20_240_611;
    private const int RandomCases = 5_000;

    private static readonly uint[] ExtremeValues = [0, 1, 2, 3, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFE, 0xFFFF_FFFF, 0xFFFF, 0x1_0000, 17, 4097];

    private static readonly ushort[] ExtremeShorts = [0, 1, 2, 3, 6, 7, 8, 16, 24, 0xFFFE, 0xFFFF, 0x8000];

    [Test]
    public void Mutated_files_either_read_consistently_or_throw_WavFormatException()
    {
        var seeds = SeedFiles();
        var random = new Random(Seed);
        var failures = new List<string>();
        int successes = 0, rejections = 0, index = 0;
        var total = Stopwatch.StartNew();

        void Check(byte[] file, string description)
        {
            var caseIndex = index++;
            switch (ReadOutcome(file, caseIndex, description, failures))
            {
                case true: successes++; break;
                case false: rejections++; break;
            }
        }

        // Truncation at every offset of the header region, and of the whole of the smaller seeds.
        foreach (var (name, file, _) in seeds)
        {
            for (var length = 0; length < file.Length; length++)
            {
                if (length <= 128 || length % 7 == 0)
                {
                    Check(file[..length], $"{name} truncated to {length} bytes");
                }
            }
        }

        // Random mutations: one to three of flips, size-field and format-field overwrites, truncation, insertion, deletion.
        for (var i = 0; i < RandomCases; i++)
        {
            var (name, original, fields) = seeds[random.Next(seeds.Length)];
            var file = original;
            var description = new StringBuilder(name);
            var mutations = 1 + random.Next(3);
            for (var m = 0; m < mutations && file.Length > 0; m++)
            {
                file = Mutate(file, fields, random, description);
            }

            Check(file, description.ToString());
        }

        total.Stop();
        Assert.Multiple(() =>
        {
            Assert.That(failures, Is.Empty, $"{failures.Count} of {index} cases (seed {Seed}) misbehaved:{Environment.NewLine}{string.Join(Environment.NewLine, failures.Take(20))}");
            Assert.That(index, Is.GreaterThanOrEqualTo(5_000));
            Assert.That(successes, Is.GreaterThan(index / 20), "too few mutated files read: the mutations are too destructive to test the success path");
            Assert.That(rejections, Is.GreaterThan(index / 20), "too few mutated files rejected");
            Assert.That(total.Elapsed, Is.LessThan(TimeSpan.FromSeconds(5)), $"{index} cases took {total.Elapsed}");
        });
        TestContext.Out.WriteLine($"{index} cases: {successes} read, {rejections} rejected, {total.ElapsedMilliseconds} ms");
    }

    [Test]
    public void Extreme_size_fields_do_not_allocate_what_they_claim()
    {
        foreach (var (name, original, fields) in SeedFiles())
        {
            foreach (var offset in fields.SizeFields)
            {
                foreach (var value in ExtremeValues)
                {
                    var file = (byte[])original.Clone();
                    BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(offset), value);

                    var before = GC.GetAllocatedBytesForCurrentThread();
                    try
                    {
                        WavFile.Read(file);
                    }
                    catch (WavFormatException)
                    {
                        // Rejecting is fine; allocating for the claim is not.
                    }

                    var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
                    Assert.That(allocated, Is.LessThan(file.Length + 16 * 1024),
                        $"{name} with 0x{value:X8} at byte {offset} allocated {allocated} bytes");
                }
            }
        }
    }

    /// <summary>Reads one case from a span and, for some cases, from a stream; returns whether it was read, or null after recording a failure.</summary>
    private static bool? ReadOutcome(byte[] file, int caseIndex, string description, List<string> failures)
    {
        var started = Stopwatch.GetTimestamp();
        bool? outcome;
        try
        {
            var audio = WavFile.Read(file);
            var problem = Inconsistency(audio, file);
            if (problem is not null)
            {
                failures.Add($"case {caseIndex} ({description}): read but {problem}");
                return null;
            }

            outcome = true;
            if (caseIndex % 10 == 0)
            {
                var fromStream = WavFile.Read(new MemoryStream(file));
                if (!fromStream.Data.Span.SequenceEqual(audio.Data.Span) || fromStream.Format != audio.Format)
                {
                    failures.Add($"case {caseIndex} ({description}): the stream reader disagrees with the span reader");
                }
            }
        }
        catch (WavFormatException exception)
        {
            outcome = false;
            if (exception.Offset < 0 || exception.Offset > file.Length || !exception.Message.Contains($"byte {exception.Offset}", StringComparison.Ordinal))
            {
                failures.Add($"case {caseIndex} ({description}): offset {exception.Offset} is outside the {file.Length}-byte file or missing from: {exception.Message}");
            }
        }
#pragma warning disable CA1031 // Any other exception is exactly what the fuzzer hunts for.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            failures.Add($"case {caseIndex} ({description}), seed {Seed}: {exception.GetType().Name}: {exception.Message}");
            return null;
        }

        var elapsed = Stopwatch.GetElapsedTime(started);
        if (elapsed > TimeSpan.FromMilliseconds(250))
        {
            failures.Add($"case {caseIndex} ({description}): took {elapsed.TotalMilliseconds} ms");
        }

        return outcome;
    }

    private static string? Inconsistency(WavAudio audio, byte[] file)
    {
        if (!audio.Format.IsValid)
        {
            return "the format is default";
        }

        if (audio.Data.Length % audio.Format.BlockAlign != 0)
        {
            return $"{audio.Data.Length} data bytes is not a multiple of block align {audio.Format.BlockAlign}";
        }

        if (audio.Data.Length > file.Length)
        {
            return $"{audio.Data.Length} data bytes from a {file.Length}-byte file";
        }

        return audio.Duration != audio.Format.DurationOf(audio.Data.Length) ? "the duration disagrees with the data length" : null;
    }

    private static byte[] Mutate(byte[] file, Fields fields, Random random, StringBuilder description)
    {
        var headerBias = Math.Min(file.Length, 96);
        int Offset() => random.Next(4) == 0 ? random.Next(file.Length) : random.Next(headerBias);
        uint Extreme() => random.Next(3) switch
        {
            0 => ExtremeValues[random.Next(ExtremeValues.Length)],
            1 => (uint)random.Next(file.Length + 16) | 1u, // odd and near the real sizes
            _ => (uint)random.Next(file.Length + 16),
        };

        var copy = (byte[])file.Clone();
        switch (random.Next(7))
        {
            case 0:
            {
                var flips = 1 + random.Next(8);
                for (var f = 0; f < flips; f++)
                {
                    var at = Offset();
                    var mask = (byte)(1 + random.Next(255));
                    copy[at] ^= mask;
                    description.Append($", xor 0x{mask:X2} at {at}");
                }

                return copy;
            }

            case 1 when fields.SizeFields.Length > 0:
            {
                var at = fields.SizeFields[random.Next(fields.SizeFields.Length)];
                return Overwrite32(copy, at, Extreme(), "size field", description);
            }

            case 2 when fields.FormatFields.Length > 0:
            {
                var at = fields.FormatFields[random.Next(fields.FormatFields.Length)];
                if (random.Next(2) == 0 && at + 2 <= copy.Length)
                {
                    var value = ExtremeShorts[random.Next(ExtremeShorts.Length)];
                    BinaryPrimitives.WriteUInt16LittleEndian(copy.AsSpan(at), value);
                    description.Append($", fmt field at {at} = 0x{value:X4}");
                    return copy;
                }

                return Overwrite32(copy, at, Extreme(), "fmt field", description);
            }

            case 3:
            {
                var length = random.Next(file.Length);
                description.Append($", truncated to {length}");
                return file[..length];
            }

            case 4:
            {
                var at = random.Next(file.Length + 1);
                var inserted = new byte[1 + random.Next(16)];
                random.NextBytes(inserted);
                description.Append($", inserted {inserted.Length} bytes at {at}");
                return [.. file.AsSpan(0, at), .. inserted, .. file.AsSpan(at)];
            }

            case 5:
            {
                var at = random.Next(file.Length);
                var count = Math.Min(1 + random.Next(16), file.Length - at);
                description.Append($", deleted {count} bytes at {at}");
                return [.. file.AsSpan(0, at), .. file.AsSpan(at + count)];
            }

            default:
                return Overwrite32(copy, Offset(), Extreme(), "word", description);
        }
    }

    private static byte[] Overwrite32(byte[] file, int at, uint value, string what, StringBuilder description)
    {
        if (at + 4 > file.Length)
        {
            return file;
        }

        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(at), value);
        description.Append($", {what} at {at} = 0x{value:X8}");
        return file;
    }

    /// <summary>Valid files to mutate, with the offsets of their size fields and format fields.</summary>
    private static (string Name, byte[] File, Fields Fields)[] SeedFiles()
    {
        var stereo = new AudioFormat(AudioEncoding.Pcm16, 16_000, 2);
        var files = new (string, byte[])[]
        {
            ("pcm16 stereo", WavTestFiles.Write(stereo, WavTestFiles.Noise(stereo.BlockAlign * 40, seed: 1))),
            ("alaw odd", WavTestFiles.Write(AudioFormat.TelephonyALaw, WavTestFiles.Noise(21, seed: 2))),
            ("mulaw with chunks", WavTestFiles.Riff(
                WavTestFiles.Chunk("JUNK", [1, 2, 3]),
                WavTestFiles.Fmt(7, 1, 8_000, 8_000, 1, 8, extra: [0, 0]),
                WavTestFiles.Chunk("fact", WavTestFiles.LittleEndian(33)),
                WavTestFiles.Chunk("LIST", Encoding.ASCII.GetBytes("INFOISFT\x05\0\0\0sox!\0\0")),
                WavTestFiles.Chunk("data", WavTestFiles.Noise(33, seed: 3)),
                WavTestFiles.Chunk("LIST", Encoding.ASCII.GetBytes("INFO")))),
            ("extensible pcm16", WavTestFiles.Riff(
                WavTestFiles.ExtensibleFmt(1, 1, 8_000, 16, 16),
                WavTestFiles.Chunk("data", WavTestFiles.Noise(64, seed: 4)))),
            ("extensible mulaw stereo", WavTestFiles.Riff(
                WavTestFiles.ExtensibleFmt(7, 2, 8_000, 8, 8),
                WavTestFiles.Chunk("fact", WavTestFiles.LittleEndian(24)),
                WavTestFiles.Chunk("data", WavTestFiles.Noise(48, seed: 5)))),
            ("unpatched streaming pcm16", Unpatched(WavTestFiles.Write(AudioFormat.Pcm16Khz, WavTestFiles.Noise(90, seed: 6)))),
        };

        return [.. files.Select(f => (f.Item1, f.Item2, FindFields(f.Item2)))];
    }

    private static byte[] Unpatched(byte[] file)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(4), uint.MaxValue);
        BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(40), uint.MaxValue);
        return file;
    }

    /// <summary>Walks a valid seed's chunks to find the RIFF and chunk size fields and the fields of its <c>fmt </c> chunk.</summary>
    private static Fields FindFields(byte[] file)
    {
        var sizes = new List<int> { 4 };
        var format = new List<int>();
        var position = 12;
        while (position + 8 <= file.Length)
        {
            sizes.Add(position + 4);
            var size = BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(position + 4));
            var body = position + 8;
            if (file.AsSpan(position, 4).SequenceEqual("fmt "u8))
            {
                format.AddRange(new[] { 0, 2, 4, 8, 12, 14, 16, 18, 20, 24 }.Where(f => f < size).Select(f => body + f));
            }

            if (size > file.Length)
            {
                break; // the unpatched seed's data chunk runs to the end
            }

            position = body + (int)size + (int)(size & 1);
        }

        return new Fields([.. sizes], [.. format]);
    }

    private sealed record Fields(int[] SizeFields, int[] FormatFields);
}
