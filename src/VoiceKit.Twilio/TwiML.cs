using System.Text;
using System.Xml;

namespace VoiceKit.Twilio;

/// <summary>The TwiML documents VoiceKit answers Twilio with (protocols.md §5.1), written with an <see cref="XmlWriter"/> so every value is escaped.</summary>
internal static class TwiML
{
    /// <summary><c>&lt;Response&gt;&lt;Connect&gt;&lt;Stream url=…&gt;&lt;Parameter …/&gt;…</c>: a bidirectional media stream to <paramref name="streamUrl"/>.</summary>
    /// <param name="streamUrl">The media WebSocket, <c>wss://</c> (Twilio accepts nothing else; no query string).</param>
    /// <param name="parameters">Custom parameters, delivered in the stream's <c>start</c> message.</param>
    /// <returns>The document.</returns>
    public static string ConnectStream(Uri streamUrl, IEnumerable<KeyValuePair<string, string>> parameters)
    {
        var text = new StringBuilder(256);
        using (var xml = XmlWriter.Create(text, new XmlWriterSettings { OmitXmlDeclaration = false, Encoding = Encoding.UTF8 }))
        {
            xml.WriteStartDocument();
            xml.WriteStartElement("Response");
            xml.WriteStartElement("Connect");
            xml.WriteStartElement("Stream");
            // As constructed, not canonicalised (which lowers the host): Twilio signs the upgrade over this exact text.
            xml.WriteAttributeString("url", streamUrl.OriginalString);
            foreach (var (name, value) in parameters)
            {
                xml.WriteStartElement("Parameter");
                xml.WriteAttributeString("name", name);
                xml.WriteAttributeString("value", value);
                xml.WriteEndElement();
            }

            xml.WriteEndElement();
            xml.WriteEndElement();
            xml.WriteEndElement();
            xml.WriteEndDocument();
        }

        // StringBuilder output declares utf-16; the HTTP response is UTF-8.
        return text.Replace("encoding=\"utf-16\"", "encoding=\"UTF-8\"").ToString();
    }
}
