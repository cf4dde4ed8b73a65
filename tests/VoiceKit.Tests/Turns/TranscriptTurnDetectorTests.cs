using VoiceKit.Turns;

namespace VoiceKit.Tests.Turns;

public sealed class TranscriptTurnDetectorTests
{
    private static float P(string caller, string agent = "") => TranscriptTurnDetector.Instance.GetEndOfTurnProbability(caller, agent);

    [TestCase("I'd like to check on my order.")]
    [TestCase("Where is my parcel?")]
    [TestCase("That's all, thanks!")]
    public void Terminal_punctuation_is_complete(string text) => Assert.That(P(text), Is.EqualTo(TranscriptTurnDetector.Complete));

    [TestCase("I want to change my delivery and")]
    [TestCase("so")]
    [TestCase("um")]
    [TestCase("it was supposed to arrive on")]
    [TestCase("my number is four one five")]
    [TestCase("my number is four one five five five five")]
    [TestCase("the order number is 4 1 5")]
    [TestCase("my account number is seven seven two")]
    [TestCase("the zip code is nine four")]
    [TestCase("I was wondering,")]
    [TestCase("I was wondering if...")]
    [TestCase("I'd like the")]
    public void Trailing_continuations_are_incomplete(string text) => Assert.That(P(text), Is.EqualTo(TranscriptTurnDetector.Incomplete));

    [TestCase("I need to change my delivery address")]
    [TestCase("it never arrived")]
    [TestCase("my number is four one five five five five one two three four")]
    [TestCase("my account number is seven seven two zero four one")]
    [TestCase("the zip code is nine four one zero five")]
    [TestCase("I'll take three")]
    [TestCase("I want the blue one")]
    public void A_clause_ending_on_a_content_word_is_likely_complete(string text) => Assert.That(P(text), Is.EqualTo(TranscriptTurnDetector.LikelyComplete));

    [TestCase("yes")]
    [TestCase("no")]
    [TestCase("yeah sure")]
    [TestCase("no thanks")]
    public void A_short_answer_to_a_question_is_complete(string text) =>
        Assert.That(P(text, "Shall I send you a text when it ships?"), Is.EqualTo(TranscriptTurnDetector.Complete));

    [Test]
    public void Empty_text_is_unknown() => Assert.That(P("   "), Is.EqualTo(TranscriptTurnDetector.Unknown));

    [Test]
    public void A_single_non_answer_word_is_unknown() => Assert.That(P("hello"), Is.EqualTo(TranscriptTurnDetector.Unknown));
}
