using Microsoft.Win32.SafeHandles;

namespace VoiceKit.Local;

/// <summary>Owns one reference to a native <c>cmd_ln_t</c> configuration; released with <c>cmd_ln_free_r</c>.</summary>
internal sealed class PocketSphinxConfigHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    /// <summary>Creates an empty handle; the P/Invoke marshaller sets the pointer.</summary>
    public PocketSphinxConfigHandle()
        : base(ownsHandle: true)
    {
    }

    /// <inheritdoc />
    protected override bool ReleaseHandle() => PocketSphinxNative.cmd_ln_free_r(handle) >= 0;
}
