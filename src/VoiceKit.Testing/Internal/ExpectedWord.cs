namespace VoiceKit.Testing.Internal;

/// <summary>A word the fake recogniser will hear, on a stream's audio timeline.</summary>
internal readonly record struct ExpectedWord(string Text, TimeSpan Start, TimeSpan End);
