namespace VoiceKit.Tests.Agents;

public sealed class ClauseChunkerTests
{
    private static List<string> Chunk(params string[] deltas)
    {
        var chunker = new ClauseChunker();
        var clauses = deltas.SelectMany(chunker.Add).ToList();
        if (chunker.Flush() is { } rest)
        {
            clauses.Add(rest);
        }

        return clauses;
    }

    [Test]
    public void The_first_clause_goes_out_at_the_first_sentence_end()
    {
        var chunker = new ClauseChunker();
        Assert.That(chunker.Add("Sure, I can ").ToList(), Is.Empty, "a short opening comma does not make a clause");
        Assert.That(chunker.Add("help with that. Your ").ToList(), Is.EqualTo(new[] { "Sure, I can help with that." }));
    }

    [Test]
    public void Later_clauses_wait_for_enough_text_at_a_comma_but_not_at_a_full_stop()
    {
        var clauses = Chunk("Thanks. Your parcel, ", "which left today, is with the driver, who is on the way. Bye.");
        Assert.That(clauses, Is.EqualTo(new[] { "Thanks.", "Your parcel, which left today, is with the driver,", "who is on the way.", "Bye." }));
    }

    [TestCase("It costs 3.50 today.", new[] { "It costs 3.50 today." })]
    [TestCase("See e.g.this one.", new[] { "See e.g.this one." })]
    public void A_point_inside_a_word_or_number_is_not_a_boundary(string text, string[] expected) =>
        Assert.That(Chunk(text), Is.EqualTo(expected));

    [Test]
    public void Deltas_split_anywhere_give_the_same_clauses()
    {
        const string text = "Good news, your order left the depot this morning. It should arrive between two and four. Anything else?";
        var whole = Chunk(text);
        var byChar = Chunk([.. text.Select(c => c.ToString())]);
        Assert.That(byChar, Is.EqualTo(whole));
        Assert.That(string.Join(" ", whole), Is.EqualTo(text));
    }

    [Test]
    public void Flush_returns_the_rest_once()
    {
        var chunker = new ClauseChunker();
        _ = chunker.Add("and that is all").ToList();
        Assert.That(chunker.Flush(), Is.EqualTo("and that is all"));
        Assert.That(chunker.Flush(), Is.Null);
    }
}
