using System.Net;

namespace VoiceKit.Twilio;

/// <summary>
/// Twilio's REST API refused a request (any non-2xx answer other than bad credentials, which are an
/// <see cref="System.Security.Authentication.AuthenticationException"/>). Carries Twilio's error code
/// (<see cref="VoiceProviderException.ErrorCode"/> as text, <see cref="TwilioCode"/> as a number), the HTTP status and the
/// documentation link. The message quotes Twilio's own message, never the auth token.
/// </summary>
public sealed class TwilioRestException : VoiceProviderException
{
    /// <summary>Creates the exception for an error answer.</summary>
    /// <param name="message">What went wrong, without credentials.</param>
    /// <param name="statusCode">The HTTP status Twilio answered with.</param>
    /// <param name="twilioCode">Twilio's error code (<c>20404</c>, <c>21211</c> ...), if the body carried one.</param>
    /// <param name="moreInfo">Twilio's documentation link for the code, if any.</param>
    public TwilioRestException(string message, HttpStatusCode statusCode, int? twilioCode, Uri? moreInfo)
        : base(message, TwilioCallControl.Provider, twilioCode?.ToString(System.Globalization.CultureInfo.InvariantCulture), IsTransientStatus(statusCode))
    {
        StatusCode = statusCode;
        TwilioCode = twilioCode;
        MoreInfo = moreInfo;
    }

    /// <summary>The HTTP status Twilio answered with.</summary>
    public HttpStatusCode StatusCode { get; }

    /// <summary>Twilio's error code (the <c>code</c> field of the error body), or null when the body had none.</summary>
    public int? TwilioCode { get; }

    /// <summary>The <c>more_info</c> link of the error body, or null.</summary>
    public Uri? MoreInfo { get; }

    /// <summary>Rate limits, request timeouts and server errors may pass if tried again; the rest will not.</summary>
    private static bool IsTransientStatus(HttpStatusCode status) =>
        status is HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout || (int)status >= 500;
}
