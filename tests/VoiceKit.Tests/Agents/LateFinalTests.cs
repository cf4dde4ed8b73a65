namespace VoiceKit.Tests.Agents;

/// <summary>
/// A recogniser's final often lands just after the turn was answered on its interim, and may revise a word or two:
/// it settles that turn (and is not new speech to answer again) when its words are the turn's words.
/// </summary>
public sealed class LateFinalTests
{
    [TestCase("hi i'm calling about a parcel", "i'm calling about a parcel", Description = "the tail, exactly")]
    [TestCase("hi i'm calling about a parcel", "", Description = "nothing new")]
    [TestCase("Hi, I'm calling about a parcel.", "calling about A PARCEL", Description = "case and punctuation ignored")]
    public void An_update_with_a_run_of_the_answered_words_settles_the_answered_turn(string answered, string update)
    {
        Assert.Multiple(() =>
        {
            Assert.That(VoiceCall.IsTailOf(answered, update, allowRevision: false), Is.True, "interim or late final");
            Assert.That(VoiceCall.IsTailOf(answered, update, allowRevision: true), Is.True, "prompt final");
        });
    }

    [TestCase("hi eight i'm calling about a parcel that hasn't arrived yet", "hi i'm calling about a parcel that hasn't arrived yet", Description = "a spurious word dropped (PocketSphinx, seen in the demo)")]
    [TestCase("where is my car sale", "Where is my parcel?", Description = "one word of four revised, punctuation added")]
    public void A_prompt_final_that_revises_a_word_or_two_settles_the_answered_turn(string answered, string final)
    {
        Assert.Multiple(() =>
        {
            Assert.That(VoiceCall.IsTailOf(answered, final, allowRevision: true), Is.True, "a final within the window");
            Assert.That(VoiceCall.IsTailOf(answered, final, allowRevision: false), Is.False, "an interim, or a final long after: new speech");
        });
    }

    [TestCase("hi i'm calling about a parcel", "yes the order number is four five two", Description = "different words")]
    [TestCase("where is my parcel", "bye", Description = "one word that was not said")]
    [TestCase("i'm calling about a parcel", "the parcel is late and the driver never came", Description = "a few shared words are not the same speech")]
    [TestCase("my order number is four five two", "no", Description = "letters inside a word are not the word ('no' in 'number')")]
    [TestCase("i'm calling about my parcel", "a", Description = "nor is 'a' in 'about'")]
    public void An_update_with_other_words_is_new_speech(string answered, string update) =>
        Assert.That(VoiceCall.IsTailOf(answered, update, allowRevision: true), Is.False);
}
