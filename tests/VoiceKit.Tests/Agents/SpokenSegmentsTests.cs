namespace VoiceKit.Tests.Agents;

public sealed class SpokenSegmentsTests
{
    private static TimeSpan S(double seconds) => TimeSpan.FromSeconds(seconds);

    private static SpokenSegments TwoClauses()
    {
        var segments = new SpokenSegments();
        segments.AddText("Your parcel left the depot.");           // 0: 1.0 s .. 3.0 s
        segments.AddText("It arrives this afternoon.");            // 1: 3.0 s .. 5.0 s
        segments.AddAudio(0, S(1), S(2));
        segments.AddAudio(0, S(2), S(3));
        segments.AddAudio(1, S(3), S(5));
        return segments;
    }

    [Test]
    public void Nothing_is_heard_before_the_audio_starts()
    {
        var (heard, rest) = TwoClauses().Split(S(0.5));
        Assert.That(heard, Is.Empty);
        Assert.That(rest, Is.EqualTo("Your parcel left the depot. It arrives this afternoon."));
    }

    [Test]
    public void A_partly_played_clause_contributes_its_whole_heard_words()
    {
        // 1.4 s into a 2 s clause of 27 characters: 70 % = 18 characters, "Your parcel left t" -> whole words only.
        var (heard, rest) = TwoClauses().Split(S(2.4));
        Assert.That(heard, Is.EqualTo("Your parcel left"));
        Assert.That(rest, Is.EqualTo("Your parcel left the depot. It arrives this afternoon."), "the unheard rest starts at the cut clause");
    }

    [Test]
    public void Whole_clauses_before_the_position_are_heard_in_full()
    {
        var (heard, rest) = TwoClauses().Split(S(3.5));
        Assert.That(heard, Does.StartWith("Your parcel left the depot. It"));
        Assert.That(rest, Is.EqualTo("It arrives this afternoon."));
        Assert.That(TwoClauses().Split(S(9)).Heard, Is.EqualTo("Your parcel left the depot. It arrives this afternoon."));
    }

    [Test]
    public void Untagged_audio_belongs_to_the_newest_clause()
    {
        var segments = new SpokenSegments();
        segments.AddText("One two three.");
        segments.AddAudio(-1, S(0), S(1));
        Assert.That(segments.AudioEnd, Is.EqualTo(S(1)));
        Assert.That(segments.Split(S(1)).Heard, Is.EqualTo("One two three."));
    }
}
