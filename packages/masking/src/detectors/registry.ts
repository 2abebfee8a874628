import type { DetectorImpl } from "./detector";
import type { Detector } from "./names";
import { apiKey } from "./api-key";
import { awsAccessKey, awsSecretKey } from "./aws";
import { creditCard } from "./credit-card";
import { email } from "./email";
import { iban } from "./iban";
import { ipv4, ipv6 } from "./ip";
import { jwt } from "./jwt";
import { phone } from "./phone";
import { privateKey } from "./private-key";
import { ssn } from "./ssn";
import { uriPassword } from "./uri-password";

const IMPLS: Readonly<Record<Detector, DetectorImpl>> = {
  email,
  phone,
  credit_card: creditCard,
  iban,
  ssn,
  ipv4,
  ipv6,
  jwt,
  aws_access_key: awsAccessKey,
  aws_secret_key: awsSecretKey,
  api_key: apiKey,
  private_key: privateKey,
  uri_password: uriPassword,
};

export function detectorImpl(name: Detector): DetectorImpl {
  return IMPLS[name];
}
