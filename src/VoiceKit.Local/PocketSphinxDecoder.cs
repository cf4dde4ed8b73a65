using System.Runtime.InteropServices;
using System.Text;

namespace VoiceKit.Local;

/// <summary>
/// One native PocketSphinx decoder with its configuration. Not thread-safe: the owner serialises calls. Disposal is safe
/// while another thread is inside a native call: the safe handles free the decoder when that call returns.
/// </summary>
internal sealed unsafe class PocketSphinxDecoder : IDisposable
{
    private const string MissingLibraryMessage =
        "PocketSphinx is not installed: install the Debian packages libpocketsphinx3 and pocketsphinx-en-us (apt-get install libpocketsphinx3 pocketsphinx-en-us).";

    private static int s_logDisabled;

    private readonly PocketSphinxConfigHandle _config;
    private readonly PocketSphinxDecoderHandle _decoder;

    private PocketSphinxDecoder(PocketSphinxConfigHandle config, PocketSphinxDecoderHandle decoder)
    {
        _config = config;
        _decoder = decoder;
    }

    /// <summary>Loads the models and returns a decoder for 16 kHz samples with an utterance started.</summary>
    /// <param name="options">Validated options.</param>
    /// <param name="telephony">Whether the audio is phone audio upsampled to 16 kHz (band-limited to 4 kHz).</param>
    /// <exception cref="InvalidOperationException">The native library is missing or the models cannot be loaded.</exception>
    public static PocketSphinxDecoder Create(PocketSphinxOptions options, bool telephony)
    {
        try
        {
            return CreateCore(options, telephony);
        }
        catch (DllNotFoundException e)
        {
            throw new InvalidOperationException(MissingLibraryMessage, e);
        }
        catch (EntryPointNotFoundException e)
        {
            throw new InvalidOperationException(
                "The installed PocketSphinx is not the 5prealpha version VoiceKit.Local binds to: install the Debian packages libpocketsphinx3 and pocketsphinx-en-us.", e);
        }
    }

    /// <summary>Whether the native libraries can be loaded on this machine.</summary>
    public static bool IsLibraryAvailable() =>
        NativeLibrary.TryLoad(PocketSphinxNative.PocketSphinxLibrary, out _) && NativeLibrary.TryLoad(PocketSphinxNative.SphinxBaseLibrary, out _);

    private static PocketSphinxDecoder CreateCore(PocketSphinxOptions options, bool telephony)
    {
        if (!options.EnableNativeLog && Interlocked.Exchange(ref s_logDisabled, 1) == 0)
        {
            PocketSphinxNative.err_set_logfp(0);
        }

        // Always the model's own 16 kHz front end: the en-us model is trained on wideband speech, and its features from an
        // 8 kHz front end (-samprate 8000 -nfft 256, with -upperf capped under 4 kHz) were recognised as noise (WER 1.0).
        // Phone audio is upsampled by the stream instead and gets telephony cepstral means (see PocketSphinxTelephonyParameters).
        string[] arguments = telephony
            ?
            [
                "-hmm", options.AcousticModelPath, "-lm", options.LanguageModelPath, "-dict", options.DictionaryPath,
                "-samprate", "16000", "-featparams", PocketSphinxTelephonyParameters.PathFor(options.AcousticModelPath),
            ]
            : ["-hmm", options.AcousticModelPath, "-lm", options.LanguageModelPath, "-dict", options.DictionaryPath, "-samprate", "16000"];
        var config = ParseArguments(arguments);
        if (config.IsInvalid)
        {
            config.Dispose();
            throw new InvalidOperationException("PocketSphinx rejected its configuration (cmd_ln_parse_r failed).");
        }

        var decoder = PocketSphinxNative.ps_init(config);
        if (decoder.IsInvalid)
        {
            decoder.Dispose();
            config.Dispose();
            throw new InvalidOperationException(
                $"PocketSphinx could not load its models (ps_init failed) from '{options.AcousticModelPath}', '{options.LanguageModelPath}' and '{options.DictionaryPath}'. " +
                "Check the paths, or reinstall the Debian package pocketsphinx-en-us; set EnableNativeLog to see PocketSphinx's own reason.");
        }

        var result = new PocketSphinxDecoder(config, decoder);
        result.StartUtterance();
        return result;
    }

    /// <summary>Builds a NUL-terminated UTF-8 argv and parses it against the decoder's argument definitions.</summary>
    private static PocketSphinxConfigHandle ParseArguments(string[] arguments)
    {
        var argv = new nint[arguments.Length];
        try
        {
            for (var i = 0; i < arguments.Length; i++)
            {
                argv[i] = Marshal.StringToCoTaskMemUTF8(arguments[i]);
            }

            fixed (nint* pointers = argv)
            {
                return PocketSphinxNative.cmd_ln_parse_r(0, PocketSphinxNative.ps_args(), arguments.Length, (byte**)pointers, strict: 1);
            }
        }
        finally
        {
            foreach (var pointer in argv)
            {
                Marshal.FreeCoTaskMem(pointer);
            }
        }
    }

    /// <summary>Starts a new utterance.</summary>
    public void StartUtterance()
    {
        if (PocketSphinxNative.ps_start_utt(_decoder) < 0)
        {
            throw new InvalidOperationException("PocketSphinx could not start an utterance (ps_start_utt failed).");
        }
    }

    /// <summary>Decodes samples into the open utterance.</summary>
    public void Process(ReadOnlySpan<short> samples)
    {
        int searched;
        fixed (short* data = samples)
        {
            searched = PocketSphinxNative.ps_process_raw(_decoder, data, (nuint)samples.Length, noSearch: 0, fullUtterance: 0);
        }

        if (searched < 0)
        {
            throw new InvalidOperationException("PocketSphinx failed to decode audio (ps_process_raw failed).");
        }
    }

    /// <summary>The current best hypothesis as UTF-8 bytes, owned by the decoder and valid until its next call; empty when there is none.</summary>
    public ReadOnlySpan<byte> Hypothesis()
    {
        var text = PocketSphinxNative.ps_get_hyp(_decoder, null);
        return text is null ? default : MemoryMarshal.CreateReadOnlySpanFromNullTerminated(text);
    }

    /// <summary>Ends the utterance and returns its final hypothesis; a new utterance must be started before more audio.</summary>
    public string EndUtterance()
    {
        if (PocketSphinxNative.ps_end_utt(_decoder) < 0)
        {
            throw new InvalidOperationException("PocketSphinx could not end the utterance (ps_end_utt failed).");
        }

        return Encoding.UTF8.GetString(Hypothesis());
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _decoder.Dispose();
        _config.Dispose();
    }
}
