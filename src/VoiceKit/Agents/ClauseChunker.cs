using System.Text;

namespace VoiceKit;

/// <summary>
/// Cuts streaming model text into clauses for the synthesiser. The first clause goes out as early as it can stand on
/// its own (so the caller hears the agent sooner); later ones may be longer, which gives the voice better prosody.
/// </summary>
/// <remarks>Owned by one reply; not thread-safe.</remarks>
internal sealed class ClauseChunker(int firstClauseMinChars = 12, int clauseMinChars = 40)
{
    private readonly StringBuilder _pending = new();
    private bool _sentFirst;

    /// <summary>Adds a delta and returns each clause it completes.</summary>
    public IEnumerable<string> Add(string delta)
    {
        _pending.Append(delta);
        while (TryTakeClause(out var clause))
        {
            yield return clause;
        }
    }

    /// <summary>Returns whatever text is left, at the end of the reply (or before a tool call).</summary>
    public string? Flush()
    {
        var rest = _pending.ToString().Trim();
        _pending.Clear();
        if (rest.Length == 0)
        {
            return null;
        }

        _sentFirst = true;
        return rest;
    }

    private bool TryTakeClause(out string clause)
    {
        var min = _sentFirst ? clauseMinChars : firstClauseMinChars;
        for (var i = 0; i < _pending.Length - 1; i++)
        {
            var c = _pending[i];
            var strong = c is '.' or '!' or '?' or ';' or ':' or '\n';
            var weak = c is ',' or '—' or '–';
            if (!strong && !weak)
            {
                continue;
            }

            // A boundary needs whitespace after it ("3.5" and "e.g." are not boundaries), and weak ones a long enough clause.
            if (!char.IsWhiteSpace(_pending[i + 1]) || (weak && i + 1 < min) || (strong && i + 1 < Math.Min(min, 4)))
            {
                continue;
            }

            clause = _pending.ToString(0, i + 1).Trim();
            _pending.Remove(0, i + 1);
            if (clause.Length == 0)
            {
                continue;
            }

            _sentFirst = true;
            return true;
        }

        clause = string.Empty;
        return false;
    }
}
