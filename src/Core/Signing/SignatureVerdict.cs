namespace EdgeFL.Core.Signing;

/// <summary>What a <see cref="ModelVerifier"/> found; the names are the reasons rejections are counted under.</summary>
public enum SignatureVerdict
{
    /// <summary>Signed by a trusted key, and the signature matches every signed byte.</summary>
    Verified = 1,

    /// <summary>Accepted without a check: signatures are not required and the model carries none (or no key is configured).</summary>
    Unchecked,

    /// <summary>The model carries no signature, and signatures are required.</summary>
    Unsigned,

    /// <summary>Signature keys are present but not as the protocol's three last entries (wrong algorithm, length or place).</summary>
    MalformedSignature,

    /// <summary>Signed by a key that is not trusted here.</summary>
    UnknownSigningKey,

    /// <summary>The signature does not match the payload: the model was altered, or signed with another key under a trusted key id.</summary>
    BadSignature,
}
