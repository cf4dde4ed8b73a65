using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using VoiceKit.Audio;
using VoiceKit.Cli.Turns;

namespace VoiceKit.Cli;

/// <summary>
/// <c>voicekit turns &lt;in.wav&gt; [--words words.json] [--agent agent.json] [--stt-delay-ms 150] [--stt-endpointing-ms 300]</c>:
/// runs the turn engine over a recording in virtual time and prints one JSON object per line per event.
/// </summary>
internal static class TurnsCommand
{
    public const string Usage = "voicekit turns <in.wav> [--words words.json] [--agent agent.json] [--stt-delay-ms 150] [--stt-endpointing-ms 300]";

    public static IReadOnlySet<string> Options { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "--words", "--agent", "--stt-delay-ms", "--stt-endpointing-ms",
    };

    public static int Run(CommandLine line, TextWriter stdout)
    {
        line.ExpectPositional(1, Usage);
        var options = new TurnRunOptions
        {
            SttDelayMs = line.IntOption("--stt-delay-ms", 0, 10_000) ?? 150,
            SttEndpointingMs = line.IntOption("--stt-endpointing-ms", 10, 10_000) ?? 300,
        };
        var words = line.Option("--words") is { } wordsPath ? ReadWords(wordsPath) : null;
        var agent = line.Option("--agent") is { } agentPath ? ReadAgent(agentPath) : null;

        var inPath = line.Positional[0];
        if (!File.Exists(inPath))
        {
            throw new FileNotFoundException($"input file '{inPath}' does not exist");
        }

        var (samples, rate) = ReadCallerAudio(WavFile.ReadFile(inPath));
        foreach (var record in TurnRunner.Run(samples, rate, words, agent, options))
        {
            stdout.WriteLine(Format(record));
        }

        return CliApp.Success;
    }

    /// <summary>One event as a JSON line: <c>t_ms</c> and <c>event</c> first, then the fields the event has.</summary>
    internal static string Format(TurnEventRecord record)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(128);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteNumber("t_ms", record.TimeMs);
            json.WriteString("event", record.Event);
            if (record.Reason is not null)
            {
                json.WriteString("reason", record.Reason);
            }

            if (record.DelayMs is { } delay)
            {
                json.WriteNumber("delay_ms", delay);
            }

            if (record.SpeechMs is { } speech)
            {
                json.WriteNumber("speech_ms", speech);
            }

            if (record.Text is not null)
            {
                json.WriteString("text", record.Text);
            }

            json.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>The caller's audio as mono PCM16 at 8 or 16 kHz: the first channel (the caller's, in a stereo call recording).</summary>
    private static (short[] Samples, int Rate) ReadCallerAudio(WavAudio wav)
    {
        var format = wav.Format;
        var all = new short[AudioCodec.GetSampleCount(format.Encoding, wav.Data.Length)];
        AudioCodec.Decode(format.Encoding, wav.Data.Span, all);
        var mono = new short[all.Length / format.Channels];
        for (var i = 0; i < mono.Length; i++)
        {
            mono[i] = all[i * format.Channels];
        }

        if (format.SampleRate is 8000 or 16000)
        {
            return (mono, format.SampleRate);
        }

        var target = format.SampleRate < 16000 ? 8000 : 16000;
        var bytes = new byte[mono.Length * 2];
        AudioCodec.Encode(AudioEncoding.Pcm16, mono, bytes);
        var converted = ConvertCommand.Convert(AudioFormat.Pcm16(format.SampleRate), bytes, AudioFormat.Pcm16(target));
        var samples = new short[converted.Length / 2];
        AudioCodec.Decode(AudioEncoding.Pcm16, converted, samples);
        return (samples, target);
    }

    private static List<TimedWord> ReadWords(string path)
    {
        var words = ReadJson(path, TurnsJsonContext.Default.ListTimedWord);
        for (var i = 0; i < words.Count; i++)
        {
            var w = words[i];
            if (string.IsNullOrWhiteSpace(w?.Text) || w.StartMs < 0 || w.EndMs < w.StartMs)
            {
                throw new FormatException($"{path}: word {i} needs a non-empty \"text\" and 0 <= \"start_ms\" <= \"end_ms\"");
            }

            if (i > 0 && w.StartMs < words[i - 1].StartMs)
            {
                throw new FormatException($"{path}: word {i} starts before word {i - 1}; words must be in time order");
            }
        }

        return words;
    }

    private static List<AgentSpan> ReadAgent(string path)
    {
        var spans = ReadJson(path, TurnsJsonContext.Default.ListAgentSpan);
        for (var i = 0; i < spans.Count; i++)
        {
            var s = spans[i];
            if (s is null || s.StartMs < 0 || s.EndMs < s.StartMs || (i > 0 && s.StartMs < spans[i - 1].EndMs))
            {
                throw new FormatException($"{path}: span {i} needs 0 <= \"start_ms\" <= \"end_ms\", after the previous span");
            }
        }

        return spans;
    }

    private static List<T> ReadJson<T>(string path, JsonTypeInfo<List<T>> type)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"file '{path}' does not exist");
        }

        try
        {
            using var stream = File.OpenRead(path);
            return JsonSerializer.Deserialize(stream, type) ?? throw new FormatException($"{path}: expected a JSON array, found null");
        }
        catch (JsonException e)
        {
            throw new FormatException($"{path}: not valid JSON ({e.Message})", e);
        }
    }
}
