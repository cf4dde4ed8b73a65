namespace VoiceKit;

/// <summary>
/// Maps what the transport has played back to the text of a reply. Each segment (clause) sent to the synthesiser
/// records where its audio lies in the call's output timeline; a playback position then says exactly which text the
/// caller heard: whole segments before it, and the spoken share of the segment it falls in, cut back to a whole word.
/// </summary>
/// <remarks>Written by the reply's audio pump, read by the session: access is locked (a few operations per chunk).</remarks>
internal sealed class SpokenSegments
{
    private readonly List<Segment> _segments = [];
    private readonly Lock _lock = new();

    /// <summary>Adds a segment of text, in the order sent to the synthesiser; returns its index.</summary>
    public int AddText(string text)
    {
        lock (_lock)
        {
            _segments.Add(new Segment(text));
            return _segments.Count - 1;
        }
    }

    /// <summary>Records that audio for a segment was queued at [start, end) of the output timeline.</summary>
    public void AddAudio(int segment, TimeSpan start, TimeSpan end)
    {
        lock (_lock)
        {
            // Untagged audio belongs to the newest segment that has text.
            var index = segment >= 0 && segment < _segments.Count ? segment : _segments.Count - 1;
            if (index < 0)
            {
                return;
            }

            var s = _segments[index];
            s.Start ??= start;
            s.End = end;
        }
    }

    /// <summary>The end of the last queued audio, or null when none was queued.</summary>
    public TimeSpan? AudioEnd
    {
        get
        {
            lock (_lock)
            {
                return _segments.LastOrDefault(s => s.End is not null)?.End;
            }
        }
    }

    /// <summary>All text sent, in order.</summary>
    public string FullText
    {
        get
        {
            lock (_lock)
            {
                return string.Join(' ', _segments.Select(s => s.Text));
            }
        }
    }

    /// <summary>The text heard by <paramref name="played"/>, and the text from the first segment not fully heard on.</summary>
    public (string Heard, string UnheardFromClause) Split(TimeSpan played)
    {
        lock (_lock)
        {
            var heard = new List<string>();
            var rest = new List<string>();
            foreach (var s in _segments)
            {
                if (rest.Count > 0 || s.Start is null || played <= s.Start)
                {
                    rest.Add(s.Text);
                    continue;
                }

                if (played >= s.End)
                {
                    heard.Add(s.Text);
                    continue;
                }

                var fraction = (played - s.Start.Value) / (s.End!.Value - s.Start.Value);
                var partial = WholeWords(s.Text, (int)(s.Text.Length * fraction));
                if (partial.Length > 0)
                {
                    heard.Add(partial);
                }

                rest.Add(s.Text);
            }

            return (string.Join(' ', heard), string.Join(' ', rest));
        }
    }

    private static string WholeWords(string text, int chars)
    {
        if (chars >= text.Length)
        {
            return text;
        }

        // Keep only words the caller heard to the end: cut back to the last space at or before the position.
        var cut = text.LastIndexOf(' ', Math.Max(0, chars));
        return cut <= 0 ? string.Empty : text[..cut].TrimEnd(',', ';', ':', ' ');
    }

    private sealed class Segment(string text)
    {
        public string Text { get; } = text;

        public TimeSpan? Start { get; set; }

        public TimeSpan? End { get; set; }
    }
}
