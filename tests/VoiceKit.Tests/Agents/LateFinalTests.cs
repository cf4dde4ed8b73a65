namespace VoiceKit.Tests.Agents;

/// <summary>
/// A recogniser's final often lands just after the turn was answered on its interim, and may revise a word or two:
/// it settles that turn (and is not new speech to answer again) when its words are the turn's words.
/// </summary>
public sealed class LateFinalTests
{
    [TestCase("hi i'm calling about a parcel", "i'm calling about a parcel", Description = "the tail, exactly")]
    [TestCase("hi i'm calling about a parcel", "", Description = "nothing new")]
    [TestCase("hi eight i'm calling about a parcel that hasn't arrived yet", "hi i'm calling about a parcel that hasn't arrived yet", Description = "a spurious word dropped (PocketSphinx, seen in the demo)")]
    [TestCase("where is my car sale", "Where is my parcel?", Description = "one word of four revised, punctuation added")]
    public void A_final_with_the_answered_words_settles_the_answered_turn(string answered, string final) =>
        Assert.That(VoiceCall.IsTailOf(answered, final), Is.True);

    [TestCase("hi i'm calling about a parcel", "yes the order number is four five two", Description = "different words")]
    [TestCase("where is my parcel", "bye", Description = "one word that was not said")]
    [TestCase("i'm calling about a parcel", "the parcel is late and the driver never came", Description = "a few shared words are not the same speech")]
    public void A_final_with_other_words_is_new_speech(string answered, string final) =>
        Assert.That(VoiceCall.IsTailOf(answered, final), Is.False);
}
