using Microsoft.Win32.SafeHandles;

namespace VoiceKit.Local;

/// <summary>Owns one reference to a native <c>ps_decoder_t</c>; released with <c>ps_free</c> once no call is using it.</summary>
internal sealed class PocketSphinxDecoderHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    /// <summary>Creates an empty handle; the P/Invoke marshaller sets the pointer.</summary>
    public PocketSphinxDecoderHandle()
        : base(ownsHandle: true)
    {
    }

    /// <inheritdoc />
    protected override bool ReleaseHandle() => PocketSphinxNative.ps_free(handle) >= 0;
}
