using System.Runtime.InteropServices;

namespace VoiceKit.Local;

/// <summary>
/// eSpeak NG 1.51 (Debian <c>libespeak-ng1</c>) through source-generated P/Invoke, in synchronous mode: <c>espeak_Synth</c>
/// calls the synth callback on the calling thread with the samples as they are made. eSpeak NG is one global engine, so
/// every call goes through <see cref="Gate"/>.
/// </summary>
internal static unsafe partial class EspeakNative
{
    public const string Library = "libespeak-ng.so.1";

    /// <summary>Serialises every call into eSpeak NG.</summary>
    public static readonly Lock Gate = new();

    private const int AudioOutputSynchronous = 2;
    private const uint CharsUtf8 = 1;
    private const int PositionCharacter = 1;
    private const int ParameterRate = 1;

    private static int s_sampleRate;

    [ThreadStatic]
    private static List<short>? t_sink;

    [LibraryImport(Library)]
    private static partial int espeak_Initialize(int output, int bufferMilliseconds, byte* path, int options);

    [LibraryImport(Library)]
    private static partial void espeak_SetSynthCallback(delegate* unmanaged<short*, int, nint, int> callback);

    [LibraryImport(Library)]
    private static partial int espeak_SetVoiceByName(byte* name);

    [LibraryImport(Library)]
    private static partial int espeak_SetParameter(int parameter, int value, int relative);

    [LibraryImport(Library)]
    private static partial int espeak_Synth(byte* text, nuint size, uint position, int positionType, uint endPosition, uint flags, uint* uniqueIdentifier, nint userData);

    /// <summary>Initialises the engine once and returns its sample rate; call under <see cref="Gate"/>.</summary>
    /// <exception cref="InvalidOperationException">libespeak-ng1 is missing or would not start.</exception>
    public static int EnsureInitialized()
    {
        if (s_sampleRate > 0)
        {
            return s_sampleRate;
        }

        int rate;
        try
        {
            rate = espeak_Initialize(AudioOutputSynchronous, 200, null, 0);
        }
        catch (DllNotFoundException e)
        {
            throw new InvalidOperationException("eSpeak NG is not installed: install the Debian package libespeak-ng1 (apt-get install libespeak-ng1).", e);
        }

        if (rate <= 0)
        {
            throw new InvalidOperationException("eSpeak NG would not start: is espeak-ng-data installed (apt-get install libespeak-ng1)?");
        }

        espeak_SetSynthCallback(&OnSamples);
        s_sampleRate = rate;
        return rate;
    }

    /// <summary>Synthesises <paramref name="text"/> with <paramref name="voice"/> at <paramref name="wordsPerMinute"/> into <paramref name="sink"/>; call under <see cref="Gate"/>.</summary>
    public static void Synthesize(string text, string voice, int wordsPerMinute, List<short> sink)
    {
        EnsureInitialized();
        var name = System.Text.Encoding.UTF8.GetBytes(voice + "\0");
        fixed (byte* n = name)
        {
            if (espeak_SetVoiceByName(n) != 0)
            {
                throw new InvalidOperationException($"eSpeak NG has no voice '{voice}' (try \"en\", \"en-us\", \"de\", \"fr\"...).");
            }
        }

        espeak_SetParameter(ParameterRate, wordsPerMinute, 0);
        var utf8 = System.Text.Encoding.UTF8.GetBytes(text + "\0");
        t_sink = sink;
        try
        {
            fixed (byte* p = utf8)
            {
                if (espeak_Synth(p, (nuint)utf8.Length, 0, PositionCharacter, 0, CharsUtf8, null, 0) != 0)
                {
                    throw new VoiceProviderException("eSpeak NG could not synthesise the text.", "espeak-ng");
                }
            }
        }
        finally
        {
            t_sink = null;
        }
    }

    /// <summary>eSpeak NG's synth callback: runs inside <c>espeak_Synth</c> on the calling thread; a null buffer ends the text.</summary>
    [UnmanagedCallersOnly]
    private static int OnSamples(short* samples, int count, nint events)
    {
        if (samples is not null && count > 0 && t_sink is { } sink)
        {
            sink.AddRange(new ReadOnlySpan<short>(samples, count));
        }

        return 0; // go on
    }
}
