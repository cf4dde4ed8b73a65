using System.Runtime.InteropServices;

namespace VoiceKit.Local;

/// <summary>
/// Source-generated P/Invoke declarations for PocketSphinx 5prealpha (Debian <c>libpocketsphinx3</c>) and its SphinxBase
/// (<c>libsphinxbase.so.3</c>). The Debian package ships no headers, so the signatures are the 5prealpha ABI: note
/// <c>ps_get_hyp</c> has no utterance-id out parameter there (0.8 had one). <c>cmd_ln_init</c> is varargs, which P/Invoke
/// cannot call portably, so configuration goes through <c>cmd_ln_parse_r</c> with an argv array (the way the
/// <c>pocketsphinx_continuous</c> tool parses its command line).
/// </summary>
internal static unsafe partial class PocketSphinxNative
{
    public const string PocketSphinxLibrary = "libpocketsphinx.so.3";
    public const string SphinxBaseLibrary = "libsphinxbase.so.3";

    /// <summary><c>const arg_t *ps_args(void)</c>: the decoder's argument definitions.</summary>
    [LibraryImport(PocketSphinxLibrary, EntryPoint = "ps_args")]
    public static partial nint ps_args();

    /// <summary><c>ps_decoder_t *ps_init(cmd_ln_t *config)</c>: the decoder retains the configuration; NULL on failure.</summary>
    [LibraryImport(PocketSphinxLibrary, EntryPoint = "ps_init")]
    public static partial PocketSphinxDecoderHandle ps_init(PocketSphinxConfigHandle config);

    /// <summary><c>int ps_start_utt(ps_decoder_t *ps)</c>.</summary>
    [LibraryImport(PocketSphinxLibrary, EntryPoint = "ps_start_utt")]
    public static partial int ps_start_utt(PocketSphinxDecoderHandle decoder);

    /// <summary><c>int ps_process_raw(ps_decoder_t *ps, int16 const *data, size_t n_samples, int no_search, int full_utt)</c>: frames searched, negative on error.</summary>
    [LibraryImport(PocketSphinxLibrary, EntryPoint = "ps_process_raw")]
    public static partial int ps_process_raw(PocketSphinxDecoderHandle decoder, short* data, nuint sampleCount, int noSearch, int fullUtterance);

    /// <summary><c>char const *ps_get_hyp(ps_decoder_t *ps, int32 *out_best_score)</c>: owned by the decoder, valid until the next call; NULL when there is none.</summary>
    [LibraryImport(PocketSphinxLibrary, EntryPoint = "ps_get_hyp")]
    public static partial byte* ps_get_hyp(PocketSphinxDecoderHandle decoder, int* bestScore);

    /// <summary><c>int ps_end_utt(ps_decoder_t *ps)</c>.</summary>
    [LibraryImport(PocketSphinxLibrary, EntryPoint = "ps_end_utt")]
    public static partial int ps_end_utt(PocketSphinxDecoderHandle decoder);

    /// <summary><c>int ps_free(ps_decoder_t *ps)</c>: releases one reference.</summary>
    [LibraryImport(PocketSphinxLibrary, EntryPoint = "ps_free")]
    public static partial int ps_free(nint decoder);

    /// <summary><c>cmd_ln_t *cmd_ln_parse_r(cmd_ln_t *inout_cmdln, const arg_t *defn, int32 argc, char *argv[], int32 strict)</c>: NULL on a bad argument.</summary>
    [LibraryImport(SphinxBaseLibrary, EntryPoint = "cmd_ln_parse_r")]
    public static partial PocketSphinxConfigHandle cmd_ln_parse_r(nint existing, nint definitions, int argc, byte** argv, int strict);

    /// <summary><c>int cmd_ln_free_r(cmd_ln_t *cmdln)</c>: releases one reference.</summary>
    [LibraryImport(SphinxBaseLibrary, EntryPoint = "cmd_ln_free_r")]
    public static partial int cmd_ln_free_r(nint config);

    /// <summary><c>void err_set_logfp(FILE *stream)</c>: NULL turns SphinxBase's (process-wide) logging off.</summary>
    [LibraryImport(SphinxBaseLibrary, EntryPoint = "err_set_logfp")]
    public static partial void err_set_logfp(nint stream);
}
