namespace VoiceKit.Local;

/// <summary>Settings for offline speech synthesis with Flite (Debian <c>libflite1</c>).</summary>
public sealed class FliteTextToSpeechOptions
{
    /// <summary>The voice: <c>slt</c> (default; a clear US English female voice, 16 kHz), <c>rms</c>, <c>awb</c>, <c>kal16</c> or <c>kal</c> (8 kHz diphone).</summary>
    public string Voice { get; set; } = "slt";

    /// <summary>Checks the options.</summary>
    /// <exception cref="InvalidOperationException">Says what to fix.</exception>
    public void Validate()
    {
        if (Voice is not ("slt" or "rms" or "awb" or "kal16" or "kal"))
        {
            throw new InvalidOperationException($"FliteTextToSpeechOptions.Voice '{Voice}' is not one of the voices libflite1 installs: slt, rms, awb, kal16, kal.");
        }
    }
}
