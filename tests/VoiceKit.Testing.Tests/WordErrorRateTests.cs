namespace VoiceKit.Testing.Tests;

[CancelAfter(5_000)]
public sealed class WordErrorRateTests
{
    [TestCase("where is my parcel", "where is my parcel", 0.0)]
    [TestCase("Where is my parcel?", "where is my parcel", 0.0)]
    [TestCase("where is my parcel", "where is my car sale", 0.5)]          // one substitution, one insertion
    [TestCase("where is my parcel", "where is parcel", 0.25)]              // one deletion
    [TestCase("where is my parcel", "", 1.0)]
    [TestCase("it's close", "its close", 0.5)]                              // the apostrophe makes a different word
    [TestCase("four five two one", "four two five one", 0.5)]             // order matters
    [TestCase("yes", "yes yes yes", 2.0)]                                  // insertions can exceed 1
    public void Compute_counts_substitutions_deletions_and_insertions(string reference, string hypothesis, double expected, CancellationToken cancellationToken) =>
        Assert.That(WordErrorRate.Compute(reference, hypothesis), Is.EqualTo(expected).Within(1e-9));

    [Test]
    public void Empty_reference_is_zero_only_for_an_empty_hypothesis(CancellationToken cancellationToken)
    {
        Assert.Multiple(() =>
        {
            Assert.That(WordErrorRate.Compute("", " ,. "), Is.Zero);
            Assert.That(WordErrorRate.Compute("", "hello"), Is.EqualTo(1.0));
        });
    }

    [Test]
    public void Words_folds_case_and_drops_punctuation_but_keeps_inner_apostrophes(CancellationToken cancellationToken) =>
        Assert.That(WordErrorRate.Words("No, that's all. 'Thank' you—bye!"), Is.EqualTo(new[] { "no", "that's", "all", "thank", "you", "bye" }));

    [Test]
    // two insertions (they, are), order → numbered, number deleted, two → to
    public void Errors_is_the_edit_distance_in_words(CancellationToken cancellationToken) =>
        Assert.That(WordErrorRate.Errors("the order number is four five two", "they are the numbered is four five to"), Is.EqualTo(5));
}
