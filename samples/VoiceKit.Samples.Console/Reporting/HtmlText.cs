namespace VoiceKit.Samples.Console.Reporting;

/// <summary>
/// Writes text into HTML (element content or a quoted attribute) so that it stays text: markup characters become
/// entities, and characters XML forbids (control characters, lone surrogates) become U+FFFD, so the page also parses as
/// XHTML. Recognised speech and error messages go through here.
/// </summary>
internal static class HtmlText
{
    /// <summary>Writes <paramref name="text"/> escaped.</summary>
    public static void Write(TextWriter writer, ReadOnlySpan<char> text)
    {
        ArgumentNullException.ThrowIfNull(writer);
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            string? replacement;
            if (char.IsSurrogate(c))
            {
                if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
                {
                    i++;
                    continue;
                }

                replacement = "\uFFFD";
            }
            else
            {
                replacement = c switch
                {
                    '&' => "&amp;",
                    '<' => "&lt;",
                    '>' => "&gt;",
                    '"' => "&quot;",
                    '\'' => "&#39;",
                    '\t' or '\n' or '\r' => null,
                    < ' ' or '\uFFFE' or '\uFFFF' => "\uFFFD",
                    _ => null,
                };
            }

            if (replacement is null)
            {
                continue;
            }

            writer.Write(text[start..i]);
            writer.Write(replacement);
            start = i + 1;
        }

        writer.Write(text[start..]);
    }

    /// <summary>Returns <paramref name="text"/> escaped.</summary>
    public static string Encode(string text)
    {
        using var writer = new StringWriter(System.Globalization.CultureInfo.InvariantCulture);
        Write(writer, text);
        return writer.ToString();
    }
}
