using System.Runtime.InteropServices;

namespace VoiceKit.Local;

/// <summary>
/// Flite 2.2 (Debian <c>libflite1</c>) through source-generated P/Invoke. Flite keeps global state (its language list)
/// and its voices are not documented as thread-safe, so every call goes through <see cref="Gate"/>.
/// </summary>
internal static unsafe partial class FliteNative
{
    public const string Library = "libflite.so.1";

    /// <summary>Serialises every call into Flite.</summary>
    public static readonly Lock Gate = new();

    private static bool s_initialized;

    [LibraryImport(Library)]
    private static partial void flite_init();

    [LibraryImport(Library)]
    private static partial int flite_add_lang(byte* language, nint languageInit, nint lexiconInit);

    [LibraryImport(Library)]
    public static partial CstWave* flite_text_to_wave(byte* text, nint voice);

    [LibraryImport(Library)]
    public static partial void delete_wave(CstWave* wave);

    /// <summary>Initialises Flite and its US English language once (what the <c>flite</c> program does at start); call under <see cref="Gate"/>.</summary>
    /// <exception cref="InvalidOperationException">A library is missing: the message names the Debian package.</exception>
    public static void EnsureInitialized()
    {
        if (s_initialized)
        {
            return;
        }

        try
        {
            flite_init();
            var english = NativeLibrary.Load("libflite_usenglish.so.1");
            var lexicon = NativeLibrary.Load("libflite_cmulex.so.1");
            fixed (byte* eng = "eng"u8)
            {
                flite_add_lang(eng, NativeLibrary.GetExport(english, "usenglish_init"), NativeLibrary.GetExport(lexicon, "cmu_lex_init"));
            }

            fixed (byte* usenglish = "usenglish"u8)
            {
                flite_add_lang(usenglish, NativeLibrary.GetExport(english, "usenglish_init"), NativeLibrary.GetExport(lexicon, "cmu_lex_init"));
            }
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            throw new InvalidOperationException("Flite is not installed: install the Debian package libflite1 (apt-get install libflite1).", e);
        }

        s_initialized = true;
    }

    /// <summary>Loads a voice library (<c>libflite_cmu_us_{name}.so.1</c>) and registers its voice; call under <see cref="Gate"/>.</summary>
    /// <param name="name">kal, kal16, slt, rms, awb.</param>
    /// <returns>The voice (owned by Flite for the life of the process).</returns>
    public static nint RegisterVoice(string name)
    {
        EnsureInitialized();
        nint library;
        try
        {
            library = NativeLibrary.Load($"libflite_cmu_us_{name}.so.1");
        }
        catch (DllNotFoundException e)
        {
            throw new InvalidOperationException($"The Flite voice '{name}' is not installed: install the Debian package libflite1.", e);
        }

        var register = (delegate* unmanaged<byte*, nint>)NativeLibrary.GetExport(library, $"register_cmu_us_{name}");
        var voice = register(null);
        return voice != 0 ? voice : throw new InvalidOperationException($"Flite could not register the voice '{name}'.");
    }

    /// <summary>Flite's <c>cst_wave</c>.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct CstWave
    {
        public nint Type;
        public int SampleRate;
        public int SampleCount;
        public int ChannelCount;
        public short* Samples;
    }
}
